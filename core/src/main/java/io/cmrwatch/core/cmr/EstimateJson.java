package io.cmrwatch.core.cmr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON form of {@link ExperimentEstimate} (one compact line, fields in the documented order, nulls
 * written as {@code null}). Thread-safe.
 */
public final class EstimateJson {

  // Schubfach double writer and FastDoubleParser: exact round trips, several times faster than the
  // JDK 17 ones.
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  private EstimateJson() {}

  /** One line of JSON. */
  public static String write(ExperimentEstimate e) {
    try {
      return MAPPER.writeValueAsString(e);
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** UTF-8 bytes of {@link #write}. */
  public static byte[] bytes(ExperimentEstimate e) {
    return write(e).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads an estimate back (e.g. the last published one, to warm-start the next analysis).
   *
   * @throws IllegalArgumentException when the text is not an estimate of a known schema
   */
  public static ExperimentEstimate read(String json) {
    try {
      ExperimentEstimate e = MAPPER.readValue(json, ExperimentEstimate.class);
      if (e.schema() != ExperimentEstimate.SCHEMA) {
        throw new IllegalArgumentException(
            "estimate schema "
                + e.schema()
                + " is not supported (reads "
                + ExperimentEstimate.SCHEMA
                + ")");
      }
      return e;
    } catch (IOException ex) {
      String m =
          ex.getMessage() == null ? ex.toString() : ex.getMessage().lines().findFirst().orElse("");
      throw new IllegalArgumentException("not a CMR estimate: " + m, ex);
    }
  }
}
