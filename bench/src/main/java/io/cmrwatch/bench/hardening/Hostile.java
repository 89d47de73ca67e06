package io.cmrwatch.bench.hardening;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generated hostile loss-event texts, each invalid by construction (so that "every bad one is
 * rejected" is checkable without asking the code under test): broken JSON structure, wrong types,
 * impossible or overflowing numbers, strings no key can carry, bad encodings, oversized texts.
 * Built from a valid event, so each differs from one in a single, known way.
 */
final class Hostile {

  /** What a generated text attacks (for the report). */
  enum Kind {
    STRUCTURE,
    TYPES,
    NUMBERS,
    STRINGS,
    ENCODING,
    SIZE
  }

  /** One hostile text. */
  record Input(Kind kind, byte[] bytes) {}

  private static final List<String> NUMERIC =
      List.of("ratio", "tokens", "generalLoss", "domainLoss", "baseGeneralLoss", "baseDomainLoss");
  private static final List<String> IDS = List.of("experiment", "run", "eventId");

  private final Random random;

  Hostile(Random random) {
    this.random = random;
  }

  /** A valid event's JSON, all fields present. */
  static String valid(String experiment, String run, long tokens, double general) {
    return "{\"schema\":1,\"experiment\":\""
        + experiment
        + "\",\"run\":\""
        + run
        + "\",\"ratio\":0.25,\"tokens\":"
        + tokens
        + ",\"step\":"
        + tokens / 1000
        + ",\"generalLoss\":"
        + general
        + ",\"domainLoss\":1.9,\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,"
        + "\"budgetTokens\":20000000000,\"learningRate\":3.0e-5,\"time\":\"2026-11-28T12:00:00Z\","
        + "\"eventId\":\""
        + run
        + "/"
        + tokens
        + "\"}";
  }

  /** The next hostile text, derived from a valid event of {@code experiment}. */
  Input next(String experiment) {
    String v = valid(experiment, "hx" + random.nextInt(50), 1 + random.nextInt(1_000_000), 2.31);
    int k = random.nextInt(100);
    if (k < 18) {
      return new Input(Kind.STRUCTURE, utf8(structure(v)));
    } else if (k < 36) {
      return new Input(Kind.TYPES, utf8(types(v)));
    } else if (k < 60) {
      return new Input(Kind.NUMBERS, utf8(numbers(v)));
    } else if (k < 80) {
      return new Input(Kind.STRINGS, utf8(strings(v)));
    } else if (k < 99) {
      return new Input(Kind.ENCODING, encoding(v));
    }
    return new Input(
        Kind.SIZE,
        utf8(v.replace("{\"schema\"", "{\"pad\":\"" + "p".repeat(70_000) + "\",\"schema\"")));
  }

  private String structure(String v) {
    return switch (random.nextInt(12)) {
      case 0 -> v.substring(0, 1 + random.nextInt(v.length() - 2)); // truncated
      case 1 -> v + v; // two documents
      case 2 -> v + " " + v;
      case 3 -> v + " garbage" + random.nextInt(1000);
      case 4 -> v + "}";
      case 5 -> "[" + v + "]";
      case 6 -> v.replace("{\"schema\":1,", "{\"schema\":1,\"experiment\":\"other-team\","); // dup
      case 7 -> v.replace("\"tokens\":", "\"tokens\":7,\"tokens\":"); // dup
      case 8 -> "[".repeat(2_000 + random.nextInt(3_000)); // nesting beyond the parser's limit
      case 9 ->
          List.of("null", "true", "42", "\"str\"", "{}", "{\"schema\":1}").get(random.nextInt(6));
      case 10 -> v.replace(",", random.nextBoolean() ? ",," : ";");
      default -> v.replace("\"run\":", "\"run\":{\"a\":").replace(",\"ratio\"", "},\"ratio\"");
    };
  }

  private String types(String v) {
    boolean id = random.nextBoolean();
    String field = id ? IDS.get(random.nextInt(3)) : NUMERIC.get(random.nextInt(NUMERIC.size()));
    List<String> values =
        id
            ? List.of("123", "true", "[]", "{}", "null", "1.5", "[\"r\"]")
            : List.of("\"many\"", "\"2.3\"", "true", "[]", "{}", "null", "[1]", "\"\"");
    return replaceValue(v, field, values.get(random.nextInt(values.size())));
  }

  private String numbers(String v) {
    return switch (random.nextInt(12)) {
      case 0 ->
          replaceValue(v, "ratio", pick("0", "-0.1", "1.0000001", "2", "1e308", "-1e-300", "-0.0"));
      case 1 ->
          replaceValue(
              v,
              "tokens",
              pick("-1", "-9223372036854775808", "12.5", "1e30", "99999999999999999999"));
      case 2 ->
          replaceValue(
              v,
              NUMERIC.get(2 + random.nextInt(4)),
              pick("-1", "1e300", "1048576", "1e20", "-1e-300", "1e999", "-1e999"));
      case 3 ->
          replaceValue(v, "schema", pick("0", "2", "4294967297", "-4294967295", "1.5", "\"1\""));
      case 4 -> replaceValue(v, "step", pick("-1", "0.5", "1e40"));
      case 5 -> replaceValue(v, "budgetTokens", pick("0", "-5", "1.5"));
      case 6 -> replaceValue(v, "learningRate", pick("-1", "1e999", "\"fast\""));
      case 7 -> v.replace("}", ",\"tokenUnit\":" + pick("0.5", "-1", "0") + "}");
      case 8 -> v.replace("}", ",\"epsilon\":" + pick("0", "-1", "1e999") + "}");
      case 9 -> v.replace("}", ",\"lambda\":" + pick("0", "-5", "-1e999") + "}");
      case 10 ->
          replaceValue(
              v,
              NUMERIC.get(random.nextInt(NUMERIC.size())),
              pick("NaN", "Infinity", "-Infinity", "01", ".5", "1.", "--1", "0x10", "1e", "+1"));
      default ->
          replaceValue(
              v, NUMERIC.get(2 + random.nextInt(4)), pick("\"NaN\"", "\"inf\"", "\"-Infinity\""));
    };
  }

  private String strings(String v) {
    String field = IDS.get(random.nextInt(3));
    return switch (random.nextInt(9)) {
      case 0 -> replaceValue(v, field, "\"x\\ud800\"");
      case 1 -> replaceValue(v, field, "\"\\udfffx\"");
      case 2 -> replaceValue(v, field, "\"a\\u0000b\"");
      case 3 -> replaceValue(v, field, "\"a\\u001fb\"");
      case 4 -> replaceValue(v, field, "\"a b\"");
      case 5 -> replaceValue(v, field, "\"" + "i".repeat(201 + random.nextInt(500)) + "\"");
      case 6 -> replaceValue(v, field, pick("\"\"", "\"   \"", "\"\\t\""));
      case 7 -> replaceValue(v, field, "\"a\tb\""); // a raw control character inside a string
      default ->
          replaceValue(
              v,
              "time",
              pick(
                  "\"yesterday\"",
                  "\"2026-13-45T00:00:00Z\"",
                  "12",
                  "\"" + "9".repeat(20_000) + "\""));
    };
  }

  /** Bytes no UTF-8 decoder accepts, or that decode to something no id may hold, in an id. */
  private byte[] encoding(String v) {
    String field = IDS.get(random.nextInt(3));
    byte[][] bad = {
      {(byte) 0xff},
      {(byte) 0xc3, (byte) 0x28},
      {(byte) 0x80},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a surrogate encoded as UTF-8
      {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
      {(byte) 0xe2, (byte) 0x82}, // cut short
    };
    String marker = "\u0001MARK\u0001";
    String withMarker = replaceValue(v, field, "\"id" + marker + "x\"");
    byte[] b = utf8(withMarker);
    byte[] m = utf8(marker);
    int at = indexOf(b, m);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(b, 0, at);
    out.writeBytes(bad[random.nextInt(bad.length)]);
    out.write(b, at + m.length, b.length - at - m.length);
    return out.toByteArray();
  }

  private String pick(String... options) {
    return options[random.nextInt(options.length)];
  }

  /** {@code v} with {@code field}'s value replaced by the JSON text {@code value}. */
  static String replaceValue(String v, String field, String value) {
    String key = "\"" + field + "\":";
    int at = v.indexOf(key);
    if (at < 0) {
      throw new IllegalArgumentException("no field " + field + " in " + v);
    }
    int start = at + key.length();
    int end = start;
    if (v.charAt(start) == '"') {
      end = v.indexOf('"', start + 1) + 1;
    } else {
      while (end < v.length() && v.charAt(end) != ',' && v.charAt(end) != '}') {
        end++;
      }
    }
    return v.substring(0, start) + value + v.substring(end);
  }

  private static int indexOf(byte[] b, byte[] m) {
    outer:
    for (int i = 0; i <= b.length - m.length; i++) {
      for (int j = 0; j < m.length; j++) {
        if (b[i + j] != m[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("marker not found");
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
