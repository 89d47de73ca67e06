package io.cmrwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch law}: fits one law form to x,y points from a CSV file and prints the parameters,
 * their standard errors, the fit statistics and predictions as one JSON object — to reproduce a
 * published table from its numbers.
 */
@Command(
    name = "law",
    mixinStandardHelpOptions = true,
    description = {
      "Fits one law form to x,y points (CSV: x,y or x,y,weight per line; header optional; '#' starts a comment) and "
          + "prints parameters, standard errors, fit statistics and predictions as JSON.",
      "Forms: domain a1*x^s1+b1, general a2*x^s2+a3*x^s3+b2, ratio alpha*x^s+beta, cmr a4*x^s4+b3. x > 0, in the "
          + "unit you want the law in (for example tokens / 2e8, or a ratio).",
      "Exit codes: 0 fitted, 2 bad input, 3 printed but the optimiser did not converge."
    })
public final class LawCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--form",
      required = true,
      paramLabel = "FORM",
      description = "ratio, domain, general or cmr.")
  String form;

  @Option(
      names = "--csv",
      required = true,
      paramLabel = "FILE",
      description = "The points; - reads stdin.")
  String csv;

  @Option(
      names = "--predict",
      arity = "1..*",
      paramLabel = "X",
      description = "x values to predict y at.")
  List<Double> predict = new ArrayList<>();

  @Option(
      names = "--huber-delta",
      paramLabel = "D",
      description =
          "Huber threshold in y units (default: 1.345 x a robust noise estimate from the data).")
  Double huberDelta;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LawForm lawForm;
    Points points;
    try {
      lawForm = LawForm.byId(form);
      points = read(csv);
      for (Double x : predict) {
        if (x == null || !Double.isFinite(x) || x <= 0) {
          throw new BadInput("--predict " + x + ": x must be finite and > 0");
        }
      }
      if (huberDelta != null && !(huberDelta > 0 && Double.isFinite(huberDelta))) {
        throw new BadInput("--huber-delta " + huberDelta + ": must be > 0");
      }
    } catch (BadInput | IllegalArgumentException e) {
      err.println("cmrwatch law: " + e.getMessage());
      err.flush();
      return 2;
    }
    FitOptions options = FitOptions.defaults();
    if (huberDelta != null) {
      options = options.withHuberDelta(huberDelta);
    }
    FitResult fit = RobustFitter.fit(lawForm, points.x, points.y, points.weights, options);
    out.println(toJson(lawForm, fit, predict));
    out.flush();
    if (fit.law() == null) {
      err.println("cmrwatch law: " + fit.message());
      err.flush();
      return 2;
    }
    return fit.converged() ? 0 : 3;
  }

  /**
   * The fit as one JSON line: form, parameters, standardErrors, converged, message, stats,
   * predictions.
   */
  static String toJson(LawForm form, FitResult fit, List<Double> predict) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("form", form.id());
    Law law = fit.law();
    if (law != null) {
      ObjectNode params = root.putObject("parameters");
      ObjectNode errors = root.putObject("standardErrors");
      for (int i = 0; i < form.parameterCount(); i++) {
        String name = form.parameterNames().get(i);
        number(params, name, law.parameter(i));
        number(errors, name, fit.standardErrors()[i]);
      }
    } else {
      root.putNull("parameters");
      root.putNull("standardErrors");
    }
    root.put("converged", fit.converged());
    root.put("message", fit.message());
    ObjectNode stats = root.putObject("stats");
    stats.put("points", fit.stats().points());
    number(stats, "robustLoss", fit.stats().robustLoss());
    number(stats, "rmse", fit.stats().rmse());
    number(stats, "r2", fit.stats().r2());
    number(stats, "huberDelta", fit.stats().huberDelta());
    root.put("evaluations", fit.evaluations());
    ArrayNode predictions = root.putArray("predictions");
    if (law != null) {
      double[] g = new double[form.parameterCount()];
      for (double x : predict) {
        ObjectNode p = predictions.addObject();
        p.put("x", x);
        number(p, "y", law.value(x));
        // Delta method: Var ŷ(x) = ∇ŷᵀ·Cov·∇ŷ.
        form.parameterGradient(x, law.parameters(), g);
        double var = 0;
        double[][] cov = fit.covariance();
        for (int i = 0; i < g.length; i++) {
          for (int j = 0; j < g.length; j++) {
            var += g[i] * cov[i][j] * g[j];
          }
        }
        number(p, "standardError", var >= 0 ? Math.sqrt(var) : Double.NaN);
      }
    }
    return root.toString();
  }

  private static void number(ObjectNode node, String name, double v) {
    if (Double.isFinite(v)) {
      node.put(name, v);
    } else {
      node.putNull(name);
    }
  }

  /** The points of a CSV file. */
  record Points(double[] x, double[] y, double[] weights) {}

  /** Reads x,y[,weight] lines (comma, semicolon, tab or spaces); the first line may be a header. */
  static Points read(String source) {
    List<String> lines;
    try {
      if (source.equals("-")) {
        BufferedReader r =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        lines = r.lines().toList();
      } else {
        lines = Files.readAllLines(Path.of(source), StandardCharsets.UTF_8);
      }
    } catch (NoSuchFileException e) {
      throw new BadInput("no such file: " + source);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new BadInput("cannot read " + source + ": " + e.getMessage());
    }
    List<double[]> rows = new ArrayList<>();
    boolean weighted = false;
    boolean first = true;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s*[,;\\t ]\\s*");
      double[] v = new double[f.length];
      boolean numeric = f.length >= 2 && f.length <= 3;
      for (int i = 0; i < f.length && numeric; i++) {
        try {
          v[i] = Double.parseDouble(f[i]);
        } catch (NumberFormatException e) {
          numeric = false;
        }
      }
      if (!numeric) {
        if (first) {
          first = false;
          continue; // a header
        }
        throw new BadInput(
            "line " + (n + 1) + ": expected x,y or x,y,weight (numbers), got \"" + line + "\"");
      }
      first = false;
      String where = "line " + (n + 1) + ": ";
      if (!Double.isFinite(v[0]) || v[0] <= 0) {
        throw new BadInput(
            where
                + "x = "
                + f[0]
                + ": x must be finite and > 0 (scale tokens by a unit, e.g. 2e8)");
      }
      if (!Double.isFinite(v[1])) {
        throw new BadInput(where + "y = " + f[1] + ": y must be finite");
      }
      if (f.length == 3) {
        if (!Double.isFinite(v[2]) || v[2] < 0) {
          throw new BadInput(where + "weight = " + f[2] + ": a weight must be finite and >= 0");
        }
        weighted = true;
      }
      rows.add(new double[] {v[0], v[1], f.length == 3 ? v[2] : 1.0});
    }
    if (rows.isEmpty()) {
      throw new BadInput("no points in " + source + " (expected lines of x,y)");
    }
    double[] x = new double[rows.size()];
    double[] y = new double[rows.size()];
    double[] w = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      x[i] = rows.get(i)[0];
      y[i] = rows.get(i)[1];
      w[i] = rows.get(i)[2];
    }
    return new Points(x, y, weighted ? w : null);
  }

  /** Input the command cannot use; its message says which line and why. */
  static final class BadInput extends RuntimeException {
    BadInput(String message) {
      super(message);
    }
  }
}
