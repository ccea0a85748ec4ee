package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.samples.derivatives.GradientPenalty;
import dev.netc.samples.derivatives.NewtonCg;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** samples/derivatives: the gradient-penalty training and the Newton-CG steps with the generated hvp. */
class DerivativesSampleTest {

  /** The penalty flattens the fit around the data (a smaller input gradient) at no cost in accuracy. */
  @Test
  void gradientPenaltyFlattensTheLoss() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    GradientPenalty.Outcome o = GradientPenalty.run(15, 0.3, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    assertTrue(o.penalized().gradientNorm() < 0.5 * o.plain().gradientNorm(), text);
    assertTrue(o.penalized().accuracy() >= 0.9 && o.plain().accuracy() >= 0.9, text);
    assertTrue(o.penalized().attackedAccuracy() >= o.plain().attackedAccuracy(), text);
  }

  /**
   * A few Newton-CG iterations reach a lower training loss than as many gradient steps (from the
   * second on: the first, from random params, is a long step that the line search accepts), and
   * gradient descent needs many more steps to match it.
   */
  @Test
  void newtonCgBeatsGradientDescent() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    NewtonCg.Outcome o = NewtonCg.run(6, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    for (int i = 1; i < o.newtonLoss().length; i++) {
      assertTrue(i < 2 || o.newtonLoss()[i] < o.gradientLoss()[i], "iteration " + i + "\n" + text);
      assertTrue(o.newtonLoss()[i] <= o.newtonLoss()[i - 1], "iteration " + i + "\n" + text);
    }
    assertTrue(o.gradientStepsToMatch() > 10 * o.newtonLoss().length, text);
    assertTrue(o.hvpCalls() > 0 && o.newtonAccuracy() >= 0.9, text);
  }
}
