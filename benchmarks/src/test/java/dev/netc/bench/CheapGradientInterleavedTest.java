package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link CheapGradientInterleaved} measures a generated chain through {@code Model} and reports
 * consistent statistics. No assertion is made on times: timed unit tests are flaky on shared
 * machines, and the ratios are what the benchmark run reports.
 */
class CheapGradientInterleavedTest {
  @Test
  void measuresAChainAndReportsTheMedianRatioBetweenItsQuartiles() throws ReflectiveOperationException {
    CheapGradientInterleaved.Result r = CheapGradientInterleaved.measure("d", 4, 16, 5, 1);
    assertEquals("d", r.build());
    assertEquals(4, r.depth());
    assertEquals(16, r.width());
    assertTrue(r.loss() > 0 && Double.isFinite(r.loss()), "loss time " + r.loss());
    assertTrue(r.grad() > 0 && Double.isFinite(r.grad()), "gradient time " + r.grad());
    assertTrue(r.q1() <= r.ratio() && r.ratio() <= r.q3(), r.toString());
  }

  @Test
  void aChainThatWasNotGeneratedIsAnError() {
    assertThrows(ClassNotFoundException.class, () -> CheapGradientInterleaved.measure("d", 3, 16, 1, 1));
  }
}
