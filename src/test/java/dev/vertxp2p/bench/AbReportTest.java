package dev.vertxp2p.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The before/after verdicts, on figures worked out by hand. */
class AbReportTest {

  @Test
  void aChangeWithinTheSpreadIsNoRegression() {
    // before median 10, range 2 (20 %); after median 11 (+10 %), range 1 (9.1 %)
    AbReport.Row r = new AbReport.Row("jdk17", "perf.java-java.cpu",
        new double[] {9, 10, 11}, new double[] {10.5, 11, 11.5});
    assertEquals(0.10, r.change(), 1e-9);
    assertEquals(0.20, r.spread(), 1e-9);
    assertEquals("within the spread", r.verdict());
  }

  @Test
  void aGrowthBeyondTheSpreadIsARegressionAndAFallIsBetter() {
    AbReport.Row worse = new AbReport.Row("jdk25", "heap.inbound",
        new double[] {10, 10.1, 9.9}, new double[] {12, 12.1, 11.9});
    assertEquals("REGRESSION", worse.verdict());
    AbReport.Row better = new AbReport.Row("jdk25", "heap.inbound",
        new double[] {12, 12.1, 11.9}, new double[] {10, 10.1, 9.9});
    assertEquals("better", better.verdict());
  }

  @Test
  void rendersOneLinePerRow() {
    String table = AbReport.render(List.of(new AbReport.Row("jdk17", "conn.java-java.cpu",
        new double[] {2, 4, 3}, new double[] {3, 3, 3})));
    assertEquals("| JDK | row | before: median [min-max] (n) | after: median [min-max] (n)"
        + " | change | spread | verdict |\n|---|---|---|---|---|---|---|\n"
        + "| jdk17 | conn.java-java.cpu | 3.000 [2.000-4.000] (3) | 3.000 [3.000-3.000] (3)"
        + " | +0.0 % | 66.7 % | within the spread |\n", table);
  }
}
