package dev.netc.runtime;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Property tests: params files and CSV text round-trip any finite values exactly. */
class RoundTripPropertiesTest {
  @Test
  void paramsFileRoundTripsAnyValues() {
    qt().withExamples(200)
        .forAll(lists().of(doubles().any()).ofSize(6), integers().between(0, 1))
        .check((values, precisionIndex) -> {
          Precision p = Precision.values()[precisionIndex];
          SoftmaxRegression a = new SoftmaxRegression(1, 3, p);
          for (int i = 0; i < 3; i++) {
            a.set(a.w, i, values.get(i));
            a.set(a.b, i, values.get(3 + i));
          }
          try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ParamsFile.write(a, out);
            byte[] bytes = out.toByteArray();
            if (bytes.length != ParamsFile.length(a)) {
              return false;
            }
            ParamsFile.Contents c = ParamsFile.parse(bytes, "mem");
            for (int i = 0; i < 3; i++) {
              if (Double.compare(c.values.get(0)[i], a.get(a.w, i)) != 0
                  || Double.compare(c.values.get(1)[i], a.get(a.b, i)) != 0) {
                return false;
              }
            }
            return c.network.equals("Softmax") && c.precision == p;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Test
  void csvRoundTripsFiniteValues() {
    List<TensorInfo> in = List.of(new TensorInfo("x", new int[] {3}));
    List<TensorInfo> tg = List.of(new TensorInfo("y", new int[] {1}));
    qt().withExamples(300)
        .forAll(lists().of(doubles().any()).ofSize(4))
        .assuming(vs -> vs.stream().allMatch(Double::isFinite))
        .check(vs -> {
          StringBuilder text = new StringBuilder("a,b,c,y\n");
          for (int i = 0; i < 4; i++) {
            text.append(i == 0 ? "" : ",").append(vs.get(i));
          }
          try {
            Dataset d = Csv.read(new StringReader(text + "\n"), "mem.csv", in, tg);
            double[] x = d.inputData(0);
            return Double.compare(x[0], vs.get(0)) == 0 && Double.compare(x[1], vs.get(1)) == 0
                && Double.compare(x[2], vs.get(2)) == 0
                && Double.compare(d.targetData(0)[0], vs.get(3)) == 0;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
