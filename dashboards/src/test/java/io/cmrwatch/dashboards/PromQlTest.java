package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void shouldFindPlainSelectorsAndIgnoreLabelMatchers() {
    assertThat(PromQl.metricNames("cmrwatch_run_ratio{experiment=~\"$experiment\", run!=\"a b\"}"))
        .containsExactly("cmrwatch_run_ratio");
  }

  @Test
  void shouldSkipFunctionsAggregationsAndTheirLabelLists() {
    String expr =
        "histogram_quantile(0.9, sum by (level, le) (rate(cmrwatch_refit_duration_seconds_bucket[5m])))";
    assertThat(PromQl.metricNames(expr)).containsExactly("cmrwatch_refit_duration_seconds_bucket");
    assertThat(PromQl.metricNames("sum(rate(x_total[1m])) without (instance, job)"))
        .containsExactly("x_total");
  }

  @Test
  void shouldSkipVectorMatchingClausesAndSetOperators() {
    String expr =
        "max by (experiment, run) (a) > on (experiment) group_left (ratio) max by (experiment) (b)"
            + " unless ignoring (run) c and bool d or e";
    assertThat(PromQl.metricNames(expr)).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void shouldKeepRecordingRuleNamesWithColons() {
    assertThat(PromQl.metricNames("experiment:cmrwatch_cmr_estimate:range30m > 0.1"))
        .containsExactly("experiment:cmrwatch_cmr_estimate:range30m");
  }

  @Test
  void shouldIgnoreNumbersDurationsStringsAndLiterals() {
    String expr =
        "label_replace(x offset 1h30m, \"dst\", \"$1\", \"src\", \"(.*)\") * 1e-3 + 0x1F - Inf + NaN"
            + " + y[5m:30s] @ 1609746000";
    assertThat(PromQl.metricNames(expr)).containsExactly("x", "y");
  }

  @Test
  void shouldIgnoreGrafanaVariables() {
    assertThat(PromQl.metricNames("rate(a_total[$__rate_interval]) / ${scale} + $factor"))
        .containsExactly("a_total");
  }

  @Test
  void shouldFindNameMatchers() {
    assertThat(PromQl.metricNames("{__name__=\"up\", job=\"x\"}")).containsExactly("up");
  }

  @Test
  void shouldReadGrafanaVariableQueries() {
    assertThat(
            PromQl.variableQueryMetricNames(
                "label_values(cmrwatch_run_ratio{experiment=~\"$e\"}, run)"))
        .containsExactly("cmrwatch_run_ratio");
    assertThat(PromQl.variableQueryMetricNames("label_values(experiment)")).isEmpty();
    assertThat(PromQl.variableQueryMetricNames("query_result(topk(5, a_total))"))
        .containsExactly("a_total");
  }

  @Test
  void shouldReplaceGrafanaVariablesForParsing() {
    assertThat(
            PromQl.withoutGrafanaVariables(
                "rate(a{e=~\"$experiment\",r=\"${run}\"}[$__rate_interval])"))
        .isEqualTo("rate(a{e=~\"x\",r=\"x\"}[5m])");
  }

  @Test
  void shouldRejectUnbalancedExpressions() {
    assertThatThrownBy(() -> PromQl.metricNames("sum(a{b=\"c\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unbalanced");
  }

  @Test
  void shouldTellWhichLabelsEachSelectorMatches() {
    String expr =
        "max by (run) (a{experiment=~\"$e\", run!=\"x=y\"}) / on (run) b + a{kind=\"k\"} + c"
            + " + rate(d{le=\"1\"}[5m])";
    assertThat(PromQl.selectors(expr)).containsOnlyKeys("a", "b", "c", "d");
    assertThat(PromQl.selectors(expr).get("a")).containsExactly("experiment", "kind", "run");
    assertThat(PromQl.selectors(expr).get("b")).isEmpty();
    assertThat(PromQl.selectors(expr).get("d")).containsExactly("le");
  }
}
