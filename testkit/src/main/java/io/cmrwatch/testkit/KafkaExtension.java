package io.cmrwatch.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a running Kafka: declare a {@link KafkaCluster} parameter on a
 * test, lifecycle method ({@code @BeforeAll} too) or constructor. One cluster is started on first
 * use and shared by every test class of the JVM (a test fork), then stopped when the test run ends
 * — so tests stay fast, and must use their own topic names ({@link
 * KafkaCluster#uniqueTopic(String)}) and consumer groups.
 *
 * <p>The cluster is a Testcontainers Kafka container when Docker is available, the embedded broker
 * otherwise (see {@link KafkaClusters}). Give every test class using it a {@code @Timeout}.
 */
public final class KafkaExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KafkaCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return shared(context);
  }

  /**
   * The JVM-wide cluster, started on first call; the root store closes it at the end of the run.
   */
  static KafkaCluster shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            KafkaClusters.Running.class, key -> KafkaClusters.start(), KafkaClusters.Running.class)
        .cluster();
  }
}
