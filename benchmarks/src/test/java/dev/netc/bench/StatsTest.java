package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void theMedianOfAnOddCountIsTheMiddleValue() {
    assertEquals(3, Stats.median(new double[] {5, 3, 1}));
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
  }

  @Test
  void theMedianLeavesItsArgumentAsItWas() {
    double[] v = {4, 1, 3, 2};
    Stats.median(v);
    assertArrayEquals(new double[] {4, 1, 3, 2}, v);
  }
}
