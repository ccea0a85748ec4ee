package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader's validation, its dtypes, and binding tensors to a model's params. */
class SafeTensorsTest {
  @TempDir Path dir;

  /** A file: the header JSON (unpadded), then {@code data} bytes of zeros. */
  static byte[] file(String header, int data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length).put(h).array();
  }

  static String error(byte[] bytes) {
    return assertThrows(DataException.class, () -> SafeTensors.decode(bytes, "w.st")).getMessage();
  }

  static String t(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
        + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  @Test
  void corruptFilesAreRefusedWithTheReason() {
    String a = t("a", "F32", "[2]", 0, 8);
    Object[][] cases = {
      {new byte[5], "w.st: not a safetensors file: 5 bytes, fewer than the 8 of the header length"},
      {ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(9).array(),
          "w.st: not a safetensors file: the header length 9 is more than the 4 bytes after it"},
      {ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array(),
          "w.st: not a safetensors file: the header length 18446744073709551615 is more than the 4 bytes after it"},
      {file("[1,2]", 0), "w.st: not a safetensors file: the header does not start with '{'"},
      {file("{\"a\":1} x", 0), "w.st: bad JSON in the header at character 9: unexpected 'x' after the header's object"},
      {file("{\"a\" 1}", 0), "w.st: bad JSON in the header at character 6: expected ':', found '1'"},
      {file("{" + a + "," + a + "}", 8), "w.st: bad JSON in the header at character 55: duplicate name \"a\""},
      {file("{\"a\":\"x\\q\"}", 0), "w.st: bad JSON in the header at character 9: bad escape '\\q'"},
      {file("{\"a\":[1,2}", 0), "w.st: bad JSON in the header at character 10: expected ',' or ']', found '}'"},
      {file("{\"a\":1,", 0), "w.st: bad JSON in the header at character 8: expected a name in double quotes, found end of the header"},
      {file("{\"a\":\"x", 0), "w.st: bad JSON in the header at character 8: unterminated string"},
      {file("{\"a\":\"x\ny\"}", 0), "w.st: bad JSON in the header at character 8: control character in a string"},
      {file("{\"a\":\"\\u12\"}", 0), "w.st: bad JSON in the header at character 9: bad \\u escape"},
      {file("{\"a\":1,}", 0), "w.st: bad JSON in the header at character 8: expected a name in double quotes, found '}'"},
      {file("{\"a\":1 \"b\":2}", 0), "w.st: bad JSON in the header at character 8: expected ',' or '}', found '\"'"},
      {file("{\"a\":-x}", 0), "w.st: bad JSON in the header at character 7: expected a digit, found 'x'"},
      {file("{\"a\":1.2.3}", 0), "w.st: bad JSON in the header at character 6: bad number 1.2.3"},
      {file("{\"a\":x}", 0), "w.st: bad JSON in the header at character 6: unexpected 'x': expected a value"},
      {file("{\"a\":", 0), "w.st: bad JSON in the header at character 6: unexpected end of the header: expected a value"},
      {file("{\"a\":" + "[".repeat(70), 0), "w.st: bad JSON in the header at character 70: nested too deeply"},
      {file("{\"__metadata__\":[]}", 0), "w.st: __metadata__ must be an object of strings"},
      {file("{\"__metadata__\":{\"k\":1}}", 0), "w.st: __metadata__: the value of \"k\" must be a string"},
      {file("{\"a\":[]}", 0), "w.st: tensor a: expected an object with dtype, shape and data_offsets"},
      {file("{\"a\":{\"shape\":[1]}}", 0), "w.st: tensor a: missing dtype (a string such as \"F32\")"},
      {file("{" + t("a", "F33", "[2]", 0, 8) + "}", 8),
          "w.st: tensor a: unknown dtype \"F33\" (safetensors has BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16,"
              + " F16, BF16, I32, U32, F32, I64, U64, F64)"},
      {file("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8),
          "w.st: tensor a: shape must be an array of sizes"},
      {file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
          "w.st: tensor a: shape must be an array of sizes (non-negative integers)"},
      {file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8),
          "w.st: tensor a: data_offsets must be an array of two byte offsets [BEGIN, END]"},
      {file("{" + t("a", "F32", "[3000000000]", 0, 8) + "}", 8), "w.st: tensor a: size 3000000000 is too large"},
      {file("{" + t("a", "F64", "[2000000000,2000000000,2000000000]", 0, 8) + "}", 8),
          "w.st: tensor a: the shape is too large"},
      {file("{" + t("a", "F32", "[2]", 8, 0) + "}", 8), "w.st: tensor a: data_offsets [8, 0] end before they begin"},
      {file("{" + t("a", "F32", "[2]", 0, 8) + "}", 4),
          "w.st: tensor a: data_offsets [0, 8] reach past the end of the file (the data has 4 bytes)"},
      {file("{" + t("a", "F32", "[3]", 0, 8) + "}", 8),
          "w.st: tensor a: data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12"},
      {file("{" + a + "," + t("b", "F32", "[2]", 4, 12) + "}", 12),
          "w.st: tensors a and b overlap (data_offsets [4, 12] begin before byte 8, where a ends)"},
      {file("{" + a + "," + t("b", "F32", "[2]", 12, 20) + "}", 20),
          "w.st: bytes 8 to 12 of the data belong to no tensor (a hole before b)"},
      {file("{" + a + "}", 10), "w.st: 2 bytes after the end of the last tensor (the data has 10 bytes, the tensors cover 8)"},
    };
    for (Object[] c : cases) {
      assertEquals(c[1], error((byte[]) c[0]));
    }
    byte[] notUtf8 = file("{\"a\":\"\u00e9\"}", 0);
    notUtf8[15] = (byte) 0xff;
    assertEquals("w.st: the header is not UTF-8 text", error(notUtf8));
  }

  @Test
  void aHeaderOverTheLimitIsRefused() {
    byte[] big = new byte[(int) SafeTensors.MAX_HEADER + 16];
    ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putLong(SafeTensors.MAX_HEADER + 1);
    assertEquals("w.st: header of 100000001 bytes is larger than the limit of 100000000", error(big));
  }

  @Test
  void readsF64F32AndBf16ExactlyAndKeepsMetadata() {
    double[] v = {1.5, -0.1, 3e-40, 65504.25};
    ByteBuffer data = ByteBuffer.allocate(8 * 4 + 4 * 4 + 2 * 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      data.putDouble(x);
    }
    for (double x : v) {
      data.putFloat((float) x);
    }
    for (double x : v) {
      data.putShort((short) (Float.floatToRawIntBits((float) x) >>> 16));
    }
    data.putLong(42);
    String h = "{\"__metadata__\":{\"format\":\"pt\"}," + t("d", "F64", "[2,2]", 0, 32) + ","
        + t("f", "F32", "[4]", 32, 48) + "," + t("h", "BF16", "[4]", 48, 56) + ","
        + t("i", "I64", "[]", 56, 64) + "}   ";
    byte[] hb = h.getBytes(StandardCharsets.UTF_8);
    byte[] bytes = ByteBuffer.allocate(8 + hb.length + 64).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(hb.length).put(hb).put(data.array()).array();
    SafeTensors.Contents c = SafeTensors.decode(bytes, "w.st");
    assertEquals(Map.of("format", "pt"), c.metadata());
    assertArrayEquals(v, c.get("d").values());
    assertArrayEquals(new int[] {2, 2}, c.get("d").shape());
    for (int i = 0; i < 4; i++) {
      assertEquals((float) v[i], c.get("f").values()[i]);
      assertEquals(Float.intBitsToFloat(Float.floatToRawIntBits((float) v[i]) & 0xFFFF0000),
          c.get("h").values()[i]);
    }
    assertEquals(1, c.get("i").size());
    assertEquals("tensor i has dtype I64; netc reads F64, F32, BF16",
        assertThrows(DataException.class, () -> c.get("i").values()).getMessage());
  }

  @Test
  void roundTripThroughAModelIsBitExactInBothPrecisions() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression a = ParamsFileTest.model(p, 1);
      byte[] bytes = SafeTensors.encode(a, SafeTensors.DType.of(p), Map.of());
      long header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertEquals(0, header % 8, "the header is padded to a multiple of 8");
      SoftmaxRegression b = ParamsFileTest.model(p, 2);
      SafeTensors.load(b, SafeTensors.decode(bytes, "m"), "m", Map.of());
      assertArrayEquals(ParamsFileTest.all(a), ParamsFileTest.all(b));
    }
  }

  @Test
  void mismatchesAreListedTogetherAndTheModelIsUntouched() {
    SoftmaxRegression m = ParamsFileTest.model(Precision.DOUBLE, 1);
    double[] before = ParamsFileTest.all(m);
    // W given twice (as W and via the map as w2), b missing, extra c, wrong shape, unreadable dtype
    String h = "{" + t("W", "F32", "[5,3]", 0, 60) + "," + t("w2", "I32", "[3,5]", 60, 120) + ","
        + t("c", "F32", "[2]", 120, 128) + "}";
    byte[] bytes = file(h, 128);
    Map<String, String> names = new LinkedHashMap<>();
    names.put("w2", "W");
    names.put("zz", "nope");
    DataException e = assertThrows(DataException.class,
        () -> SafeTensors.load(m, SafeTensors.decode(bytes, "w.st"), "w.st", names));
    assertEquals("w.st: does not match network Softmax:\n"
        + "  missing: b[3]\n"
        + "  not params of network Softmax: c F32 [2]\n"
        + "  the name map sends zz to nope, which is not a param of network Softmax\n"
        + "  wrong shape: W is [5, 3] in the file, W[3, 5] in network Softmax\n"
        + "  param W is given twice, by W and w2", e.getMessage());
    assertArrayEquals(before, ParamsFileTest.all(m));
    // one tensor of an unreadable dtype, mapped; the missing param names the map's tensor
    String h2 = "{" + t("weight", "I32", "[3,5]", 0, 60) + "}";
    Map<String, String> n2 = new LinkedHashMap<>();
    n2.put("weight", "W");
    n2.put("bias", "b");
    DataException e2 = assertThrows(DataException.class,
        () -> SafeTensors.load(m, SafeTensors.decode(file(h2, 60), "w.st"), "w.st", n2));
    assertEquals("w.st: does not match network Softmax:\n"
        + "  missing: b[3] (from bias)\n"
        + "  unreadable dtype: weight (W) is I32; netc reads F64, F32, BF16", e2.getMessage());
    // without a map, the hint
    String h3 = "{" + t("W", "F64", "[3,5]", 0, 120) + "," + t("b", "F64", "[3]", 120, 144) + ","
        + t("x", "F64", "[]", 144, 152) + "}";
    DataException e3 = assertThrows(DataException.class,
        () -> SafeTensors.load(m, SafeTensors.decode(file(h3, 152), "w.st"), "w.st", Map.of()));
    assertEquals("w.st: does not match network Softmax:\n"
        + "  not params of network Softmax: x F64 [] (rename them with a name map)", e3.getMessage());
    // and "-" leaves it out
    SafeTensors.load(m, SafeTensors.decode(file(h3, 152), "w.st"), "w.st", Map.of("x", "-"));
    assertTrue(Arrays.stream(ParamsFileTest.all(m)).allMatch(x -> x == 0));
  }

  @Test
  void nameMaps() throws Exception {
    Path f = Files.writeString(dir.resolve("m.map"), "# comment\n\nfc1.weight = W1\n  fc1.bias=b1  \nsteps = -\nx = -\n");
    Map<String, String> m = SafeTensors.readNameMap(f);
    assertEquals("{fc1.weight=W1, fc1.bias=b1, steps=-, x=-}", m.toString());
    Object[][] bad = {
      {"fc1.weight W1\n", "m.map:1: expected TENSOR = PARAM (for example fc1.weight = W1), found \"fc1.weight W1\""},
      {"a = \n", "m.map:1: expected TENSOR = PARAM (for example fc1.weight = W1), found \"a =\""},
      {"a = b = c\n", "m.map:1: expected TENSOR = PARAM (for example fc1.weight = W1), found \"a = b = c\""},
      {"a = W\n#\na = V\n", "m.map:3: a is mapped twice (first on line 1)"},
      {"a = W\nb = W\n", "m.map:2: two tensors map to W (the other on line 1)"},
    };
    for (Object[] c : bad) {
      assertEquals(c[1], assertThrows(DataException.class,
          () -> SafeTensors.parseNameMap((String) c[0], "m.map")).getMessage());
    }
    Path latin = Files.write(dir.resolve("l.map"), new byte[] {'a', '=', (byte) 0xe9});
    assertEquals(latin + ": not UTF-8 text (byte 2, line 1)",
        assertThrows(DataException.class, () -> SafeTensors.readNameMap(latin)).getMessage());
    assertEquals(dir + ": is a directory, not a file",
        assertThrows(DataException.class, () -> SafeTensors.read(dir)).getMessage());
    Path none = dir.resolve("none.safetensors");
    assertEquals(none + ": no such file",
        assertThrows(DataException.class, () -> SafeTensors.read(none)).getMessage());
  }
}
