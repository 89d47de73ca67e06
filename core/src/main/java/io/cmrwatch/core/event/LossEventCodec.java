package io.cmrwatch.core.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON codec for {@link LossEvent}, the shared wire format (README.md, "The loss event"), and the
 * one validation of every module: ingest, the tailer, the agent and the streams app all read events
 * here. Decoding is strict about what matters (one JSON object and nothing after it, no field named
 * twice, at most {@link #MAX_JSON_BYTES}, types, ranges, required fields) and lenient about what
 * does not (unknown extra fields are ignored, so producers may add their own). What a producer
 * writes to the topic is {@link #encode} of what was decoded: the canonical encoding of what was
 * validated, never the raw input. Thread-safe.
 */
public final class LossEventCodec {

  /**
   * Longest accepted JSON text of one event, in bytes. An event's canonical encoding is under 4 KB
   * (ids are at most {@value LossEvent#MAX_ID_LENGTH} characters); the rest of a larger text is
   * unknown fields, which are dropped anyway.
   */
  public static final int MAX_JSON_BYTES = 64 * 1024;

  /** Longest quote of a bad value in a rejection message, in characters. */
  static final int MAX_ECHO_CHARS = 120;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          // A second "experiment" must not pass one scope check and name another experiment.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          // "{...}{...}" or "{...} garbage" is not one event: reject, never drop the rest.
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private LossEventCodec() {}

  /**
   * Decodes UTF-8 JSON bytes; throws {@link InvalidEventException} with the reason when they are
   * not a valid event.
   */
  public static LossEvent decode(byte[] json) {
    if (json == null || json.length == 0) {
      throw new InvalidEventException(
          Rejection.MISSING_FIELD, "empty record: expected a loss event (a JSON object)");
    }
    checkSize(json.length);
    LossEvent fast = decodeFlat(json);
    if (fast != null) {
      return fast;
    }
    return fromTree(readTree(json));
  }

  /**
   * Parses one JSON text as strictly as {@link #decode(byte[])} does (size, duplicate fields,
   * nothing after the value), for readers that map other layouts onto events (the log tailer).
   */
  public static JsonNode readTree(byte[] json) {
    checkSize(json.length);
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new InvalidEventException(Rejection.MALFORMED_JSON, "not valid JSON: " + firstLine(e));
    }
    if (node == null || node.isMissingNode()) {
      throw new InvalidEventException(
          Rejection.MISSING_FIELD, "empty record: expected a loss event (a JSON object)");
    }
    return node;
  }

  /** {@link #readTree(byte[])} of a string's UTF-8. */
  public static JsonNode readTree(String json) {
    return readTree(json.getBytes(StandardCharsets.UTF_8));
  }

  private static void checkSize(int length) {
    if (length > MAX_JSON_BYTES) {
      throw new InvalidEventException(
          Rejection.EVENT_TOO_LARGE,
          "the event's JSON is " + length + " bytes; at most " + MAX_JSON_BYTES + " are accepted");
    }
  }

  // Field slots of the streaming fast path: the index of each field's value in its array, and the
  // names in that order.
  private static final int SCHEMA = 0;
  private static final int EXPERIMENT = 1;
  private static final int RUN = 2;
  private static final int RATIO = 3;
  private static final int TOKENS = 4;
  private static final int STEP = 5;
  private static final int GENERAL_LOSS = 6;
  private static final int DOMAIN_LOSS = 7;
  private static final int BASE_GENERAL_LOSS = 8;
  private static final int BASE_DOMAIN_LOSS = 9;
  private static final int BUDGET_TOKENS = 10;
  private static final int LEARNING_RATE = 11;
  private static final int TIME = 12;
  private static final int EVENT_ID = 13;
  private static final int EPSILON = 14;
  private static final int LAMBDA = 15;
  private static final int TOKEN_UNIT = 16;
  private static final List<String> FIELDS =
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
  private static final Map<String, Integer> SLOT = new HashMap<>();

  static {
    for (int i = 0; i < FIELDS.size(); i++) {
      SLOT.put(FIELDS.get(i), i);
    }
  }

  /**
   * The common case without building a tree: a flat JSON object whose known fields hold values of
   * their own type (strings for ids and time, whole numbers for counts, numbers for losses).
   * Returns null — and the tree path decides, with its precise reasons — on anything else: a nested
   * or null value, a type mismatch, a malformed document, or an event the builder refuses. So both
   * paths accept exactly the same events, with the same values.
   */
  private static LossEvent decodeFlat(byte[] json) {
    Object[] v = new Object[FIELDS.size()];
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          return null;
        }
        Integer slot = SLOT.get(p.currentName());
        JsonToken value = p.nextToken();
        if (value == null) {
          return null;
        }
        if (slot == null) {
          p.skipChildren(); // an unknown field: ignored, as the tree path ignores it
          continue;
        }
        switch (value) {
          case VALUE_STRING -> v[slot] = p.getText();
          case VALUE_NUMBER_INT -> {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
              return null;
            }
            v[slot] = p.getLongValue();
          }
          case VALUE_NUMBER_FLOAT -> v[slot] = p.getDoubleValue();
          default -> {
            return null;
          }
        }
      }
      if (p.nextToken() != null) {
        return null; // something after the object: the tree path names it
      }
      LossEvent.Builder b = LossEvent.builder();
      if (!(v[SCHEMA] instanceof Long schema
          && v[EXPERIMENT] instanceof String experiment
          && v[RUN] instanceof String run
          && v[TOKENS] instanceof Long tokens
          && v[EVENT_ID] instanceof String eventId)) {
        return null;
      }
      Double ratio = number(v[RATIO]);
      Double general = number(v[GENERAL_LOSS]);
      Double domain = number(v[DOMAIN_LOSS]);
      Double baseGeneral = number(v[BASE_GENERAL_LOSS]);
      Double baseDomain = number(v[BASE_DOMAIN_LOSS]);
      if (ratio == null
          || general == null
          || domain == null
          || baseGeneral == null
          || baseDomain == null
          || !optionalWhole(v[STEP])
          || !optionalWhole(v[BUDGET_TOKENS])
          || !optionalNumber(v[LEARNING_RATE])
          || !optionalNumber(v[EPSILON])
          || !optionalNumber(v[LAMBDA])
          || !optionalNumber(v[TOKEN_UNIT])
          || (v[TIME] != null && !(v[TIME] instanceof String))) {
        return null;
      }
      if (schema != LossEvent.SCHEMA_VERSION) {
        return null;
      }
      return b.schema(LossEvent.SCHEMA_VERSION)
          .experiment(experiment)
          .run(run)
          .ratio(ratio)
          .tokens(tokens)
          .step((Long) v[STEP])
          .generalLoss(general)
          .domainLoss(domain)
          .baseGeneralLoss(baseGeneral)
          .baseDomainLoss(baseDomain)
          .budgetTokens((Long) v[BUDGET_TOKENS])
          .learningRate(number(v[LEARNING_RATE]))
          .time(v[TIME] == null ? null : Instant.parse((String) v[TIME]))
          .eventId(eventId)
          .epsilon(number(v[EPSILON]))
          .lambda(number(v[LAMBDA]))
          .tokenUnit(number(v[TOKEN_UNIT]))
          .build();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Double number(Object o) {
    return o instanceof Long l ? Double.valueOf(l) : o instanceof Double d ? d : null;
  }

  private static boolean optionalWhole(Object o) {
    return o == null || o instanceof Long;
  }

  private static boolean optionalNumber(Object o) {
    return o == null || o instanceof Long || o instanceof Double;
  }

  /** Decodes one JSON text; see {@link #decode(byte[])}. */
  public static LossEvent decode(String json) {
    return decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  /** Builds an event from an already-parsed JSON tree; see {@link #decode(byte[])}. */
  public static LossEvent fromTree(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new InvalidEventException(
          Rejection.MALFORMED_JSON,
          "expected a JSON object, got "
              + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
    }
    long schema = requiredLong(node, "schema");
    if (schema != LossEvent.SCHEMA_VERSION) {
      throw new InvalidEventException(
          Rejection.UNKNOWN_SCHEMA,
          "schema " + schema + " is not supported (this build reads schema 1)");
    }
    return LossEvent.builder()
        .schema(LossEvent.SCHEMA_VERSION)
        .experiment(requiredText(node, "experiment"))
        .run(requiredText(node, "run"))
        .ratio(requiredDouble(node, "ratio"))
        .tokens(requiredLong(node, "tokens"))
        .step(optionalLong(node, "step"))
        .generalLoss(requiredDouble(node, "generalLoss"))
        .domainLoss(requiredDouble(node, "domainLoss"))
        .baseGeneralLoss(requiredDouble(node, "baseGeneralLoss"))
        .baseDomainLoss(requiredDouble(node, "baseDomainLoss"))
        .budgetTokens(optionalLong(node, "budgetTokens"))
        .learningRate(optionalDouble(node, "learningRate"))
        .time(optionalTime(node, "time"))
        .eventId(requiredText(node, "eventId"))
        .epsilon(optionalDouble(node, "epsilon"))
        .lambda(optionalDouble(node, "lambda"))
        .tokenUnit(optionalDouble(node, "tokenUnit"))
        .build();
  }

  /**
   * Encodes to compact UTF-8 JSON with the fields in the documented order; absent optional fields
   * are omitted.
   */
  public static byte[] encode(LossEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(384);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schema", e.schema());
      g.writeStringField("experiment", e.experiment());
      g.writeStringField("run", e.run());
      g.writeNumberField("ratio", e.ratio());
      g.writeNumberField("tokens", e.tokens());
      if (e.step() != null) {
        g.writeNumberField("step", e.step());
      }
      g.writeNumberField("generalLoss", e.generalLoss());
      g.writeNumberField("domainLoss", e.domainLoss());
      g.writeNumberField("baseGeneralLoss", e.baseGeneralLoss());
      g.writeNumberField("baseDomainLoss", e.baseDomainLoss());
      if (e.budgetTokens() != null) {
        g.writeNumberField("budgetTokens", e.budgetTokens());
      }
      if (e.learningRate() != null) {
        g.writeNumberField("learningRate", e.learningRate());
      }
      if (e.time() != null) {
        g.writeStringField("time", e.time().toString());
      }
      g.writeStringField("eventId", e.eventId());
      if (e.epsilon() != null) {
        g.writeNumberField("epsilon", e.epsilon());
      }
      if (e.lambda() != null) {
        g.writeNumberField("lambda", e.lambda());
      }
      if (e.tokenUnit() != null) {
        g.writeNumberField("tokenUnit", e.tokenUnit());
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  /** Encodes to a JSON string. */
  public static String encodeToString(LossEvent e) {
    return new String(encode(e), StandardCharsets.UTF_8);
  }

  private static JsonNode present(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidEventException(Rejection.MISSING_FIELD, field + " is required");
    }
    return v;
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode v = present(node, field);
    if (!v.isTextual()) {
      throw new InvalidEventException(
          Rejection.WRONG_TYPE, field + " must be a string, got " + typeName(v) + " " + echo(v));
    }
    return v.textValue();
  }

  private static double requiredDouble(JsonNode node, String field) {
    return number(present(node, field), field);
  }

  private static Double optionalDouble(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : number(v, field);
  }

  private static double number(JsonNode v, String field) {
    if (v.isNumber()) {
      return v.doubleValue();
    }
    // JSON has no NaN or Infinity; some Python loggers write them as strings. Name the real
    // problem.
    if (v.isTextual()) {
      String t = v.textValue().trim();
      if (t.equalsIgnoreCase("nan") || t.matches("(?i)[+-]?(inf|infinity)")) {
        throw new InvalidEventException(
            Rejection.NON_FINITE_LOSS, field + " must be a finite number, got " + echo(v));
      }
    }
    throw new InvalidEventException(
        Rejection.WRONG_TYPE, field + " must be a number, got " + typeName(v) + " " + echo(v));
  }

  private static long requiredLong(JsonNode node, String field) {
    return integer(present(node, field), field);
  }

  private static Long optionalLong(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : integer(v, field);
  }

  private static long integer(JsonNode v, String field) {
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        throw new InvalidEventException(
            Rejection.WRONG_TYPE, field + " is out of the 64-bit integer range: " + echo(v));
      }
      return v.longValue();
    }
    if (v.isNumber()) {
      // Accept 1.2e9 (integral, written in float notation by many loggers); reject 12.5 tokens.
      double d = v.doubleValue();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e18) {
        return (long) d;
      }
      throw new InvalidEventException(
          Rejection.WRONG_TYPE, field + " must be a whole number, got " + echo(v));
    }
    throw new InvalidEventException(
        Rejection.WRONG_TYPE,
        field + " must be a whole number, got " + typeName(v) + " " + echo(v));
  }

  private static Instant optionalTime(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidEventException(
          Rejection.BAD_TIME,
          field
              + " must be an ISO-8601 instant string such as 2026-11-28T12:00:00Z, got "
              + echo(v));
    }
    try {
      return Instant.parse(v.textValue());
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(
          Rejection.BAD_TIME,
          field + " must be an ISO-8601 instant such as 2026-11-28T12:00:00Z, got " + echo(v));
    }
  }

  /**
   * A bad value as JSON, cut to {@value #MAX_ECHO_CHARS} characters: a message quotes what was
   * wrong, never a megabyte of it.
   */
  static String echo(JsonNode v) {
    String s = v.toString();
    if (s.length() <= MAX_ECHO_CHARS) {
      return s;
    }
    int end = MAX_ECHO_CHARS;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "… (" + (s.length() - end) + " more characters)";
  }

  private static String typeName(JsonNode v) {
    return v.getNodeType().toString().toLowerCase();
  }

  private static String firstLine(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }

  private static String firstLine(IOException e) {
    if (e instanceof JsonProcessingException jpe) {
      return firstLine(jpe);
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
