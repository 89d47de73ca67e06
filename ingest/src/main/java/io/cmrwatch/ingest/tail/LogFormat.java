package io.cmrwatch.ingest.tail;

/** The line formats the tailer reads. */
public enum LogFormat {
  /**
   * One JSON object per line; fields are addressed by {@code /}-separated paths ({@code
   * eval/general_loss}).
   */
  JSONL,
  /**
   * Comma-separated values with a header line (or columns given on the command line); fields by
   * column name.
   */
  CSV
}
