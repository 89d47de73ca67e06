package io.cmrwatch.streams.http;

import io.cmrwatch.streams.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP answer: status and JSON body.
 *
 * @param status HTTP status code
 * @param body UTF-8 JSON
 */
public record Reply(int status, byte[] body) {

  /** 200 with {@code json}. */
  public static Reply ok(byte[] json) {
    return new Reply(200, json);
  }

  /** An error with {@code {"error": message}}. */
  public static Reply error(int status, String message) {
    return new Reply(
        status, ("{\"error\":" + Json.quote(message) + "}").getBytes(StandardCharsets.UTF_8));
  }
}
