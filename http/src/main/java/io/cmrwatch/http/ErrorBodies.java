package io.cmrwatch.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The JSON error body both apps answer with: {@code {"error":"code","message":"what to do"}}. A
 * message is cut to {@value #MAX_MESSAGE_CHARS} characters, so an error that quotes the client's
 * input never answers a megabyte with a megabyte.
 */
public final class ErrorBodies {

  /** Longest message kept in an error body, in characters. */
  public static final int MAX_MESSAGE_CHARS = 1000;

  private ErrorBodies() {}

  /** {@code {"error":code,"message":message}} as UTF-8. */
  public static byte[] json(String code, String message) {
    return ("{\"error\":" + quote(code) + ",\"message\":" + quote(truncate(message)) + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The stable code of an HTTP status, e.g. {@code request_timeout} for 408. */
  public static String code(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 408 -> "request_timeout";
      case 411 -> "length_required";
      case 413 -> "payload_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "request_header_fields_too_large";
      case 500 -> "internal_error";
      case 501 -> "not_implemented";
      case 503 -> "unavailable";
      case 505 -> "http_version_not_supported";
      default -> "http_" + status;
    };
  }

  /**
   * {@code s} cut to {@value #MAX_MESSAGE_CHARS} characters, marked with how much was left out
   * (never splitting a surrogate pair).
   */
  public static String truncate(String s) {
    if (s == null) {
      return "";
    }
    if (s.length() <= MAX_MESSAGE_CHARS) {
      return s;
    }
    int end = MAX_MESSAGE_CHARS;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "… (" + (s.length() - end) + " more characters)";
  }

  private static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }
}
