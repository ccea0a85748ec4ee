package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParamsFileTest {
  @TempDir Path dir;

  static SoftmaxRegression model(Precision p, long seed) {
    SoftmaxRegression m = new SoftmaxRegression(5, 3, p);
    m.initialize(seed);
    for (int i = 0; i < 3; i++) {
      m.set(m.b, i, 0.1 * (i + seed));
    }
    return m;
  }

  static double[] all(SoftmaxRegression m) {
    double[] out = new double[m.k * m.d + m.k];
    for (int i = 0; i < m.k * m.d; i++) {
      out[i] = m.get(m.w, i);
    }
    for (int i = 0; i < m.k; i++) {
      out[m.k * m.d + i] = m.get(m.b, i);
    }
    return out;
  }

  String loadError(Model m, Path p) {
    DataException e = assertThrows(DataException.class, () -> ParamsFile.load(m, p));
    return e.getMessage();
  }

  @Test
  void savedFileHasDefaultPermissionsNotPrivateOnes() throws IOException {
    Path plain = Files.writeString(dir.resolve("plain"), "x");
    Path f = dir.resolve("m.params");
    ParamsFile.save(model(Precision.DOUBLE, 1), f);
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
  }

  @Test
  void roundTripIsExact() throws IOException {
    for (Precision p : Precision.values()) {
      SoftmaxRegression a = model(p, 1);
      Path f = dir.resolve("m-" + p + ".params");
      ParamsFile.save(a, f);
      assertEquals(ParamsFile.length(a), Files.size(f));
      SoftmaxRegression b = model(p, 2);
      assertFalse(Arrays.equals(all(a), all(b)));
      ParamsFile.load(b, f);
      assertArrayEquals(all(a), all(b));
      ParamsFile.save(b, f); // overwrite an existing file
      ParamsFile.load(a, f);
      assertArrayEquals(all(b), all(a));
    }
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temp files are left behind");
    }
  }

  @Test
  void metadataRoundTripsAndAFileWithoutItStaysVersionOne() throws IOException {
    SoftmaxRegression a = model(Precision.FLOAT, 1);
    Path plain = dir.resolve("plain.params");
    ParamsFile.save(a, plain);
    byte[] v1 = Files.readAllBytes(plain);
    assertEquals(1, v1[11], "no metadata: version 1");
    assertEquals(java.util.Map.of(), ParamsFile.metadata(plain));

    Path f = dir.resolve("meta.params");
    java.util.Map<String, String> meta = java.util.Map.of(Vocabulary.METADATA_KEY, "'abcé\u00e9xyz",
        "z.note", "", "a.first", "line\nbreak");
    ParamsFile.save(a, f, meta);
    byte[] v2 = Files.readAllBytes(f);
    assertEquals(2, v2[11]);
    assertEquals(ParamsFile.length(a, meta), v2.length);
    assertEquals(meta, ParamsFile.metadata(f));
    assertEquals(java.util.List.of("a.first", Vocabulary.METADATA_KEY, "z.note"),
        java.util.List.copyOf(ParamsFile.metadata(f).keySet()), "keys ascending");
    SoftmaxRegression b = model(Precision.FLOAT, 2);
    ParamsFile.load(b, f);
    assertArrayEquals(all(a), all(b), "params load from a version 2 file");
    // the params part of a version 2 file is the version 1 file's, byte for byte
    assertArrayEquals(Arrays.copyOfRange(v1, 24, v1.length - 4), Arrays.copyOfRange(v2, 24, v1.length - 4));

    // damage inside the metadata is caught by the checksum; a consistent lie by the structure checks
    for (int at = v1.length - 4; at < v2.length - 4; at += 3) {
      byte[] flipped = v2.clone();
      flipped[at] ^= 0x20;
      Files.write(f, flipped);
      assertEquals(f + ": corrupted params file (checksum mismatch)", loadError(b, f));
    }
  }

  @Test
  void floatFileLoadsIntoDoubleModelExactly() throws IOException {
    SoftmaxRegression f = model(Precision.FLOAT, 3);
    Path p = dir.resolve("f.params");
    ParamsFile.save(f, p);
    SoftmaxRegression d = model(Precision.DOUBLE, 4);
    ParamsFile.load(d, p);
    assertArrayEquals(all(f), all(d));
  }

  @Test
  void badFilesAreRefusedAndTheModelIsUntouched() throws IOException {
    SoftmaxRegression a = model(Precision.DOUBLE, 1);
    Path good = dir.resolve("good.params");
    ParamsFile.save(a, good);
    byte[] bytes = Files.readAllBytes(good);
    SoftmaxRegression b = model(Precision.DOUBLE, 2);
    double[] before = all(b);

    Path p = dir.resolve("bad.params");
    Files.writeString(p, "a,b,c\n1,2,3\n");
    assertEquals(p + ": not a netc params file (bad magic bytes)", loadError(b, p));
    Files.write(p, new byte[0]);
    assertEquals(p + ": not a netc params file (bad magic bytes)", loadError(b, p));

    Files.write(p, Arrays.copyOf(bytes, bytes.length - 10));
    assertEquals(p + ": truncated params file (" + (bytes.length - 10) + " of " + bytes.length
        + " bytes)", loadError(b, p));
    Files.write(p, Arrays.copyOf(bytes, 12));
    assertEquals(p + ": truncated params file (12 bytes)", loadError(b, p));

    for (int at : new int[] {30, bytes.length / 2, bytes.length - 9, bytes.length - 1}) {
      byte[] flipped = bytes.clone();
      flipped[at] ^= 0x10;
      Files.write(p, flipped);
      assertEquals(p + ": corrupted params file (checksum mismatch)", loadError(b, p), "flip at " + at);
    }
    byte[] header = bytes.clone();
    header[15] ^= 1;
    Files.write(p, header);
    assertEquals(p + ": corrupted params file (header checksum mismatch)", loadError(b, p));

    byte[] version = bytes.clone();
    version[11] = 3;
    Files.write(p, version);
    assertEquals(p + ": unsupported params file version 3 (this runtime reads versions 1 and 2)",
        loadError(b, p));

    Files.write(p, Arrays.copyOf(bytes, bytes.length + 3));
    assertEquals(p + ": corrupted params file (3 unexpected bytes after the end)", loadError(b, p));

    assertEquals(dir.resolve("none") + ": no such file", loadError(b, dir.resolve("none")));
    assertArrayEquals(before, all(b), "a failed load leaves the model untouched");
  }

  @Test
  void mismatchedNetworksAreRefused() throws IOException {
    Path p = dir.resolve("m.params");
    ParamsFile.save(model(Precision.DOUBLE, 1), p);
    SoftmaxRegression other = new SoftmaxRegression("Other", 5, 3, Precision.DOUBLE);
    assertEquals(p + ": params are for network Softmax, not Other", loadError(other, p));
    SoftmaxRegression wider = new SoftmaxRegression(6, 3, Precision.DOUBLE);
    assertEquals(p + ": param W has shape [3, 5] in the file but [3, 6] in the model",
        loadError(wider, p));
    double[] before = all(wider);
    assertArrayEquals(before, all(wider));
  }

  @Test
  void missingAndExtraParams() throws IOException {
    SoftmaxRegression m = model(Precision.DOUBLE, 1);
    Path p = dir.resolve("m.params");
    ParamsFile.save(new OneParam(m), p);
    assertEquals(p + ": missing param b", loadError(m, p));
    ParamsFile.save(m, p);
    assertEquals(p + ": unexpected param b (not in network Softmax)", loadError(new OneParam(m), p));
  }

  /** The model {@code m} seen with only its param W. */
  static final class OneParam extends ModelView {
    OneParam(SoftmaxRegression m) {
      super(m);
    }
  }
}
