package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
  @TempDir Path dir;

  static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[] {2, 2}));
  static final List<TensorInfo> TG = List.of(new TensorInfo("y", new int[] {3}));

  Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  Dataset load(String text) throws IOException {
    return Csv.load(write("data.csv", text), IN, TG);
  }

  String error(String text) throws IOException {
    Path p = write("data.csv", text);
    DataException e = assertThrows(DataException.class, () -> Csv.load(p, IN, TG));
    return e.getMessage().replace(p.toString(), "data.csv");
  }

  @Test
  void directColumns() throws IOException {
    Dataset d = load("a,b,c,d,y0,y1,y2\n1,2,3,4,0,1,0\n5,6,7,8,0.5,0.5,0\n");
    assertEquals(2, d.size());
    assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, d.inputData(0));
    assertArrayEquals(new double[] {0, 1, 0, 0.5, 0.5, 0}, d.targetData(0));
    assertFalse(d.hasClassLabels(0));
  }

  @Test
  void classIndexColumnIsOneHotEncoded() throws IOException {
    Dataset d = load("a,b,c,d,label\r\n1,2,3,4,2\r\n5,6,7,8,0\r\n\r\n");
    assertEquals(2, d.size());
    assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0}, d.targetData(0));
    assertArrayEquals(new int[] {2, 0}, d.classLabels(0));
  }

  @Test
  void gzipByNameAndByMagic() throws IOException {
    String text = "a,b,c,d,label\n1,2,3,4,1\n";
    for (String name : new String[] {"d.csv.gz", "compressed.csv"}) {
      Path p = dir.resolve(name);
      try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      Dataset d = Csv.load(p, IN, TG);
      assertArrayEquals(new double[] {0, 1, 0}, d.targetData(0));
    }
  }

  @Test
  void byteOrderMarkAndQuotedHeaderAreAccepted() throws IOException {
    Dataset d = load("\uFEFF\"a\",b,c,d,label\n 1 , 2,3,4,1\n");
    assertArrayEquals(new double[] {1, 2, 3, 4}, d.inputData(0));
  }

  @Test
  void worksWithAModelsLayout() throws IOException {
    Dataset d = Csv.load(write("m.csv", "x0,x1,label\n1,2,0\n3,4,1\n"),
        new SoftmaxRegression(2, 2, Precision.DOUBLE));
    assertArrayEquals(new double[] {1, 0, 0, 1}, d.targetData(0));
  }

  @Test
  void errors() throws IOException {
    assertEquals("data.csv: empty file (no header)", error(""));
    assertEquals("data.csv: no data rows", error("a,b,c,d,label\n"));
    assertEquals("data.csv: no data rows", error("a,b,c,d,label\n\n"));
    assertEquals("data.csv:1: expected 7 columns (or 5 with class-index targets), found 3",
        error("a,b,c\n1,2,3\n"));
    assertEquals("data.csv:3: expected 5 columns, found 4",
        error("a,b,c,d,label\n1,2,3,4,0\n1,2,3,4\n"));
    assertEquals("data.csv:2:3 (c): not a number: \"abc\"", error("a,b,c,d,label\n1,2,abc,4,0\n"));
    assertEquals("data.csv:2:5 (label): class index 3 out of range 0..2",
        error("a,b,c,d,label\n1,2,3,4,3\n"));
    assertEquals("data.csv:2:5 (label): class index -1 out of range 0..2",
        error("a,b,c,d,label\n1,2,3,4,-1\n"));
    assertEquals("data.csv:2:5 (label): class index must be an integer, found 1.5",
        error("a,b,c,d,label\n1,2,3,4,1.5\n"));
    assertEquals("data.csv:2:1 (a): not a number: \"NaN\"", error("a,b,c,d,label\n NaN,2,3,4,1\n"));
    assertEquals("data.csv:2:2 (b): not a number: \"Infinity\"",
        error("a,b,c,d,label\n1,Infinity,3,4,1\n"));
    assertEquals("data.csv:2:2 (b): number out of range (above " + Double.MAX_VALUE + " in magnitude): \"1e999\"",
        error("a,b,c,d,label\n1,1e999,3,4,1\n"));
    assertEquals("data.csv:2:4 (d): empty value", error("a,b,c,d,label\n1,2,3,,1\n"));
    assertEquals("data.csv:2:4 (d): not a number: \"1.2.3\"", error("a,b,c,d,label\n1,2,3,1.2.3,1\n"));
    assertEquals("data.csv:3: empty line", error("a,b,c,d,label\n1,2,3,4,1\n\n1,2,3,4,1\n"));
    Path missing = dir.resolve("nope.csv");
    DataException e = assertThrows(DataException.class, () -> Csv.load(missing, IN, TG));
    assertEquals(missing + ": no such file", e.getMessage());
  }

  @Test
  void ambiguousLayoutIsAnError() throws IOException {
    List<TensorInfo> tg = List.of(new TensorInfo("y", new int[] {3}), new TensorInfo("z", new int[] {3}));
    Path p = write("amb.csv", "x,a,b,c,d\n1,0,0,1,0\n");
    DataException e = assertThrows(DataException.class,
        () -> Csv.load(p, List.of(new TensorInfo("x", new int[] {})), tg));
    assertTrue(e.getMessage().endsWith(":1: 5 columns is ambiguous: several targets could be class-index columns"),
        e.getMessage());
    Dataset d = Csv.load(write("two.csv", "x,y,z\n1,2,0\n"), List.of(new TensorInfo("x", new int[] {})), tg);
    assertArrayEquals(new double[] {0, 0, 1}, d.targetData(0));
    assertArrayEquals(new double[] {1, 0, 0}, d.targetData(1));
  }

  @Test
  void columnNames() {
    assertEquals(List.of("x_0_0", "x_0_1", "x_1_0", "x_1_1", "y_0", "y_1", "y_2"),
        Csv.columnNames(IN, TG));
  }
}
