package io.cmrwatch.ingest.tail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.event.Rejection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one log line into a {@link LossEvent}: each schema field is taken from the line (by the
 * mapped path or column, by default the field's own name), else from a fixed value given on the
 * command line. When the log has no event id, one is derived from the run and the token count
 * ({@code <run>/<tokens>}), so re-reading a line yields the same id and downstream de-duplication
 * holds. The result is validated by {@link LossEventCodec}.
 */
public final class LineMapper {

  /** Every field of the loss-event schema, in documented order. */
  public static final List<String> FIELDS =
      List.of(
          "schema",
          "experiment",
          "run",
          "ratio",
          "tokens",
          "step",
          "generalLoss",
          "domainLoss",
          "baseGeneralLoss",
          "baseDomainLoss",
          "budgetTokens",
          "learningRate",
          "time",
          "eventId",
          "epsilon",
          "lambda",
          "tokenUnit");

  private static final Set<String> TEXT_FIELDS = Set.of("experiment", "run", "eventId", "time");

  private final LogFormat format;
  private final Map<String, String[]> paths = new LinkedHashMap<>();
  private final Map<String, String> fixed;
  private List<String> header;

  /**
   * @param format line format
   * @param mapping schema field to source path ({@code a/b} for nested JSON) or CSV column
   * @param fixed schema field to a value used when the line lacks the field
   * @param columns CSV column names when the file has no header line, else {@code null}
   */
  public LineMapper(
      LogFormat format,
      Map<String, String> mapping,
      Map<String, String> fixed,
      List<String> columns) {
    this.format = format;
    for (String f : mapping.keySet()) {
      requireField(f, "--map");
    }
    for (String f : fixed.keySet()) {
      requireField(f, "a fixed value");
    }
    for (String f : FIELDS) {
      String src = mapping.getOrDefault(f, f);
      String trimmed = src.startsWith("/") ? src.substring(1) : src;
      paths.put(f, format == LogFormat.JSONL ? trimmed.split("/") : new String[] {src});
    }
    Map<String, String> fx = new HashMap<>(fixed);
    fx.putIfAbsent("schema", Integer.toString(LossEvent.SCHEMA_VERSION));
    this.fixed = Map.copyOf(fx);
    this.header = columns == null ? null : List.copyOf(columns);
  }

  private static void requireField(String f, String where) {
    if (!FIELDS.contains(f)) {
      throw new IllegalArgumentException(
          "unknown event field \""
              + f
              + "\" in "
              + where
              + "; the fields are "
              + String.join(", ", FIELDS));
    }
  }

  /** Whether a CSV header is still needed (the next line is taken as the header). */
  boolean needsHeader() {
    return format == LogFormat.CSV && header == null;
  }

  /**
   * Whether {@code line} is the known CSV header again (a rotated or re-created file starts with
   * it).
   */
  boolean isHeader(String line) {
    return format == LogFormat.CSV && header != null && CsvSplitter.split(line).equals(header);
  }

  /** Takes {@code line} as the CSV header. */
  void header(String line) {
    header = List.copyOf(CsvSplitter.split(line));
  }

  /**
   * Maps one line; throws {@link InvalidEventException} with the reason when it is not a valid
   * event.
   */
  public LossEvent map(String line) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (format == LogFormat.JSONL) {
      // As strict as every other reader of events: one object, no field twice, bounded size.
      JsonNode in = LossEventCodec.readTree(line);
      if (!in.isObject()) {
        throw new InvalidEventException(Rejection.MALFORMED_JSON, "not a JSON object");
      }
      for (Map.Entry<String, String[]> p : paths.entrySet()) {
        JsonNode v = in;
        for (String part : p.getValue()) {
          v = v == null ? null : v.get(part);
        }
        put(out, p.getKey(), v);
      }
    } else {
      if (header == null) {
        throw new IllegalStateException("CSV header unknown");
      }
      List<String> cells;
      try {
        cells = CsvSplitter.split(line);
      } catch (IllegalArgumentException e) {
        throw new InvalidEventException(
            Rejection.MALFORMED_JSON, "not a CSV line: " + e.getMessage());
      }
      if (cells.size() != header.size()) {
        throw new InvalidEventException(
            Rejection.MALFORMED_JSON,
            "CSV line has " + cells.size() + " cells, the header has " + header.size());
      }
      for (Map.Entry<String, String[]> p : paths.entrySet()) {
        int i = header.indexOf(p.getValue()[0]);
        if (i >= 0 && !cells.get(i).isEmpty()) {
          put(out, p.getKey(), JsonNodeFactory.instance.textNode(cells.get(i)));
        }
      }
    }
    for (Map.Entry<String, String> f : fixed.entrySet()) {
      if (!out.has(f.getKey())) {
        put(out, f.getKey(), JsonNodeFactory.instance.textNode(f.getValue()));
      }
    }
    if (!out.has("eventId") && out.hasNonNull("run") && out.hasNonNull("tokens")) {
      JsonNode t = out.get("tokens");
      // 1.2e9 and 1200000000 are the same count: name it the same way, as a whole number.
      String tokens =
          t.isNumber()
                  && t.doubleValue() == Math.rint(t.doubleValue())
                  && Math.abs(t.doubleValue()) < 9e18
              ? Long.toString(t.isIntegralNumber() ? t.longValue() : (long) t.doubleValue())
              : t.asText();
      out.put("eventId", out.get("run").asText() + "/" + tokens);
    }
    return LossEventCodec.fromTree(out);
  }

  /**
   * Puts {@code v} under {@code field}, converting text to a number for numeric fields and numbers
   * to text for ids.
   */
  private static void put(ObjectNode out, String field, JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return;
    }
    if (TEXT_FIELDS.contains(field)) {
      out.put(field, v.isValueNode() ? v.asText() : v.toString());
    } else if (v.isTextual()) {
      String t = v.textValue().strip();
      try {
        out.put(field, Long.parseLong(t));
      } catch (NumberFormatException notLong) {
        try {
          out.put(field, Double.parseDouble(t));
        } catch (NumberFormatException notNumber) {
          out.put(
              field,
              t); // the codec names the problem (wrong type, or NaN/inf as a non-finite loss)
        }
      }
    } else {
      out.set(field, v);
    }
  }
}
