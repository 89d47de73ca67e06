package io.cmrwatch.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where a corpus comes from: {@code builtin:general}, {@code builtin:domain}, or a list of files
 * and directories of UTF-8 text ({@code .jsonl}/{@code .ndjson} files are read as one JSON object
 * per line, taking its text field).
 *
 * @param spec the source as given on the command line
 * @param textField JSON field that holds the text in JSONL files
 * @param heldOutFraction share of the bytes kept out of training for validation (files only)
 * @param syntheticBytes training bytes to generate for a built-in source
 */
public record CorpusSource(
    String spec, String textField, double heldOutFraction, int syntheticBytes) {

  /** Prefix of built-in generated corpora. */
  public static final String BUILTIN = "builtin:";

  private static final int SYNTHETIC_HELD_OUT_BYTES = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A source with the usual settings: field {@code text}, 5 % held out, 4 MiB of generated text.
   */
  public static CorpusSource of(String spec) {
    return new CorpusSource(spec, "text", 0.05, 4 << 20);
  }

  /** Loads the corpus; bad input fails with a message that says what to fix. */
  public Corpus load() {
    if (spec.startsWith(BUILTIN)) {
      String which = spec.substring(BUILTIN.length());
      SyntheticText.Kind kind;
      try {
        kind = SyntheticText.Kind.valueOf(which.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown built-in corpus \"" + spec + "\"; use builtin:general or builtin:domain", e);
      }
      SyntheticText text = new SyntheticText(kind);
      // Training and held-out text come from different streams of the same language.
      return new Corpus(
          spec, text.generate(1, syntheticBytes), text.generate(2, SYNTHETIC_HELD_OUT_BYTES));
    }
    List<Path> files = new ArrayList<>();
    for (String part : spec.split(",")) {
      Path p = Path.of(part.trim());
      if (!Files.exists(p)) {
        throw new IllegalArgumentException(
            "corpus path "
                + p
                + " does not exist (give files or directories of UTF-8 text or JSONL, or "
                + "builtin:general / builtin:domain)");
      }
      try (Stream<Path> walk = Files.walk(p)) {
        walk.filter(Files::isRegularFile).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + p, e);
      }
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (Path f : files) {
      byte[] bytes = read(f);
      all.writeBytes(bytes);
      all.write('\n');
    }
    byte[] bytes = all.toByteArray();
    if (bytes.length < 1024) {
      throw new IllegalArgumentException(
          "corpus "
              + spec
              + " holds only "
              + bytes.length
              + " bytes of text; give at least a few KiB");
    }
    int heldOut = (int) Math.max(256, Math.round(bytes.length * heldOutFraction));
    byte[] train = new byte[bytes.length - heldOut];
    byte[] valid = new byte[heldOut];
    System.arraycopy(bytes, 0, train, 0, train.length);
    System.arraycopy(bytes, train.length, valid, 0, heldOut);
    return new Corpus(spec, train, valid);
  }

  private byte[] read(Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read corpus file " + file, e);
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String text = decodeUtf8(file, raw);
    if (!name.endsWith(".jsonl") && !name.endsWith(".ndjson")) {
      return raw;
    }
    StringBuilder out = new StringBuilder();
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + " is not JSON: " + e.getMessage(), e);
      }
      JsonNode field = node.get(textField);
      if (field == null || !field.isTextual()) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (i + 1)
                + " has no text field \""
                + textField
                + "\" (choose it with --text-field)");
      }
      out.append(field.asText()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String decodeUtf8(Path file, byte[] raw) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          file + " is not UTF-8 text; convert it or leave it out of the corpus", e);
    }
  }
}
