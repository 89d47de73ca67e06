package io.cmrwatch.streams.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Loads the streams app's configuration in layers, highest first: the config file (Java
 * properties), then the environment ({@code cmrwatch.http.port} is {@code CMRWATCH_HTTP_PORT}),
 * then the defaults of {@link ConfigKey}. Command-line options are applied on top by the caller.
 * Unknown {@code cmrwatch.*} keys in the file are rejected with their name; environment variables
 * are only read for known keys, because the environment is shared with other tools (the launcher's
 * {@code CMRWATCH_JAVA_OPTS}, for one).
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /**
   * Loads from {@code file} (may be {@code null}), {@code env} and the defaults, then applies
   * {@code overrides}.
   *
   * @throws ConfigException naming the key at fault
   */
  public static AppConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKey.values()) {
      String v = env.get(k.envName());
      if (v != null) {
        settings.put(k.key(), v);
      }
    }
    if (file != null) {
      settings.putAll(readFile(file));
    }
    settings.putAll(overrides);
    return AppConfig.of(settings);
  }

  /** Loads from {@code file} (may be {@code null}) and the process environment. */
  public static AppConfig load(Path file, Map<String, String> overrides) {
    return load(file, System.getenv(), overrides);
  }

  private static Map<String, String> readFile(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "config file " + file + " does not exist; pass an existing file to --config");
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (String name : p.stringPropertyNames()) {
      if (!name.startsWith("cmrwatch.")) {
        throw new ConfigException(
            "config file "
                + file
                + ": key "
                + name
                + " is not a cmrwatch.* setting (Kafka Streams settings go under "
                + ConfigKey.KAFKA_PASSTHROUGH_PREFIX
                + ")");
      }
      m.put(name, p.getProperty(name));
    }
    return m;
  }
}
