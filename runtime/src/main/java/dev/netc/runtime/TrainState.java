package dev.netc.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * What resuming a training run needs beside its params: the epochs done, the seed (which, with the
 * epoch, fixes the shuffles: the random generator's position), the optimizer's kind and state
 * (Adam's moments and step count, momentum's velocities), and a copy of the params themselves, so
 * that the file alone restores the run exactly, even if a kill fell between writing it and
 * writing the params file beside it.
 *
 * <p>File layout (big-endian), version 1: the 8 bytes {@code NETCSTAT}, int version, int epoch,
 * long seed, UTF optimizer kind (its class name, e.g. {@code Adam}), long CRC-32 of the params'
 * bits, the optimizer's {@link Optimizer#writeState}, then every param (type byte, length, raw
 * bits). Written atomically (a sibling temporary file moved over the target). Convention: the
 * state of {@code P} is {@code P.state}.
 *
 * @param epoch epochs done
 * @param seed the run's seed
 */
public record TrainState(int epoch, long seed) {
  private static final byte[] MAGIC = {'N', 'E', 'T', 'C', 'S', 'T', 'A', 'T'};
  public static final int VERSION = 1;

  /** {@code P.state}, the state file that goes with params file {@code P}. */
  public static Path beside(Path params) {
    return params.resolveSibling(params.getFileName() + ".state");
  }

  /** Writes the state of {@code optimizer} for {@code model} after {@code epoch} epochs. */
  public static void save(Path file, Model model, Optimizer optimizer, int epoch, long seed)
      throws IOException {
    Path abs = file.toAbsolutePath();
    Path tmp = ParamsFile.siblingTempFile(abs);
    boolean moved = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream os = Channels.newOutputStream(ch);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16));
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(epoch);
        out.writeLong(seed);
        out.writeUTF(optimizer.getClass().getSimpleName());
        out.writeLong(checksum(model));
        optimizer.writeState(model, out);
        for (int p = 0; p < model.params().size(); p++) {
          PerModelState.write(out, model.paramData(p));
        }
        out.flush();
        ch.force(true);
      }
      writeAtomically(tmp, abs);
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static void writeAtomically(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Reads {@code file} into {@code optimizer}'s state for {@code model} and into its params (whose
   * shapes must match); throws {@link DataException} naming the file and what does not match.
   */
  public static TrainState load(Path file, Model model, Optimizer optimizer) {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16))) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new DataException(file + ": not a netc training state file");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new DataException(file + ": training state version " + version + ", this netc reads " + VERSION);
      }
      int epoch = in.readInt();
      if (epoch < 0) {
        throw new DataException(file + ": negative epoch " + epoch);
      }
      long seed = in.readLong();
      String kind = in.readUTF();
      String want = optimizer.getClass().getSimpleName();
      if (!kind.equals(want)) {
        throw new DataException(file + ": the state is of optimizer " + kind + ", not " + want);
      }
      long sum = in.readLong();
      optimizer.readState(model, in);
      for (int p = 0; p < model.params().size(); p++) {
        PerModelState.read(in, model.paramData(p));
      }
      if (sum != checksum(model)) {
        throw new DataException(file + ": corrupt training state (the params' checksum does not match)");
      }
      if (in.read() != -1) {
        throw new DataException(file + ": unexpected bytes after the optimizer state");
      }
      return new TrainState(epoch, seed);
    } catch (EOFException e) {
      throw new DataException(file + ": truncated training state file");
    } catch (IOException e) {
      throw new DataException(file + ": cannot read training state: " + e.getMessage());
    }
  }

  /** CRC-32 over the raw bits of every param value, in order. */
  static long checksum(Model model) {
    CRC32 crc = new CRC32();
    byte[] buf = new byte[8];
    for (int p = 0; p < model.params().size(); p++) {
      Object data = model.paramData(p);
      if (data instanceof double[] d) {
        for (double x : d) {
          long bits = Double.doubleToRawLongBits(x);
          for (int i = 0; i < 8; i++) {
            buf[i] = (byte) (bits >>> (8 * i));
          }
          crc.update(buf, 0, 8);
        }
      } else {
        for (float x : (float[]) data) {
          int bits = Float.floatToRawIntBits(x);
          for (int i = 0; i < 4; i++) {
            buf[i] = (byte) (bits >>> (8 * i));
          }
          crc.update(buf, 0, 4);
        }
      }
    }
    return crc.getValue();
  }
}
