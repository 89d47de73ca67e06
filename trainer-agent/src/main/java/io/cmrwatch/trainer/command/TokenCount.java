package io.cmrwatch.trainer.command;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads token counts as whole numbers, in scientific notation ({@code 2e6}) or with a k/M/G suffix
 * ({@code 500k}).
 */
public final class TokenCount implements ITypeConverter<Long> {

  @Override
  public Long convert(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT).replace("_", "");
    double factor = 1;
    if (v.endsWith("k")) {
      factor = 1e3;
    } else if (v.endsWith("m")) {
      factor = 1e6;
    } else if (v.endsWith("g") || v.endsWith("b")) {
      factor = 1e9;
    }
    if (factor != 1) {
      v = v.substring(0, v.length() - 1);
    }
    double n;
    try {
      n = Double.parseDouble(v) * factor;
    } catch (NumberFormatException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a token count (examples: 200000, 2e5, 200k, 1.5M)");
    }
    if (!(n >= 0) || n > Long.MAX_VALUE || n != Math.rint(n)) {
      throw new TypeConversionException("'" + value + "' is not a whole, non-negative token count");
    }
    return (long) n;
  }
}
