package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.ingest.http.IngestService;
import io.cmrwatch.ingest.http.IngestSettings;
import io.cmrwatch.ingest.metrics.IngestMetrics;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real ingest API on the embedded broker, after accepted, rejected and unauthorized requests:
 * every ingest metric a dashboard panel or a rule uses is in its {@code /metrics}.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class IngestMetricsIT {

  private static final String TOKEN = "dashboards-it-token-0123456789";

  @Test
  void shouldExportEveryIngestMetricTheDashboardsAndRulesUse(KafkaCluster kafka, @TempDir Path tmp)
      throws Exception {
    Map<String, List<String>> used =
        MetricReferences.load().exportedNamesUsed(MetricReferences.Exporter.INGEST);
    assertThat(used).as("ingest metrics used by the dashboards").isNotEmpty();
    Path tokens = Files.writeString(tmp.resolve("tokens"), TOKEN + "\n");
    IngestSettings settings =
        IngestSettings.defaults("127.0.0.1", 0, kafka.bootstrapServers(), tokens)
            .withTopicPrefix(kafka.uniqueTopic("dash-ingest") + ".");
    try (IngestService ingest = IngestService.start(settings)) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String valid =
          "{\"schema\":1,\"experiment\":\"dash-e1\",\"run\":\"r1\",\"ratio\":0.25,\"tokens\":1000,"
              + "\"generalLoss\":2.31,\"domainLoss\":1.9,\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,"
              + "\"eventId\":\"r1/1\"}";
      String negativeLoss =
          valid.replace("\"generalLoss\":2.31", "\"generalLoss\":-1").replace("r1/1", "r1/2");
      assertThat(post(http, ingest.url(), valid, TOKEN).statusCode()).isEqualTo(202);
      assertThat(post(http, ingest.url(), negativeLoss, TOKEN).statusCode()).isEqualTo(400);
      assertThat(post(http, ingest.url(), valid, "not-a-valid-token-at-all").statusCode())
          .isEqualTo(401);

      Scrape scrape = Scrape.of(ingest.url() + "/metrics");
      assertThat(scrape.missing(used))
          .as(
              "ingest metrics used by dashboards or rules but not exported (name -> "
                  + "where used)")
          .isEmpty();
      assertThat(
              scrape.missingLabels(
                  MetricReferences.load().exportedLabelsUsed(MetricReferences.Exporter.INGEST)))
          .as("labels that dashboards or rules match on but the ingest metrics do not have")
          .isEmpty();
      scrape.assertOwnMetricsCarry(IngestMetrics.APPLICATION, 5);
    }
  }

  private static HttpResponse<String> post(HttpClient http, String url, String body, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url + "/v1/events"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
