package io.cmrwatch.ingest.tail;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV line (RFC 4180: fields may be quoted, {@code ""} is a quote inside a quoted
 * field).
 */
final class CsvSplitter {

  private CsvSplitter() {}

  /**
   * The cells of {@code line}; throws {@link IllegalArgumentException} on an unterminated quote.
   */
  static List<String> split(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.add(cell.toString().strip());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quote");
    }
    cells.add(cell.toString().strip());
    return cells;
  }
}
