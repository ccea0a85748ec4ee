package dev.netc.compiler.cli;

import dev.netc.runtime.DataException;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.Rng;
import dev.netc.runtime.TextSampler;
import dev.netc.runtime.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Writes new lines with a character model trained by train --text: from the line's start (and"
          + " --prefix), it draws each next character from the softmax of the network's first output"
          + " divided by --temperature, until the model ends the line. One line per sample on"
          + " standard output.",
      "The params file carries the vocabulary train --text saved with it. With --seed the lines"
          + " are the same on every run; without it they differ."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc train samples/words/gru.net --text samples/words/words.txt.gz --text-match '[a-z]+' --save gru.params",
      "  netc sample samples/words/gru.net --params gru.params --count 10 --seed 7",
      "  netc sample samples/words/gru.net --params gru.params --prefix qu --temperature 0.8"
    })
final class SampleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .net file")
  Path file;

  @Option(names = "--network", paramLabel = "N",
      description = "which network, when the file declares several")
  String network;

  @Option(names = "--params", paramLabel = "P", required = true,
      description = "params written by train --text --save (they carry the vocabulary)")
  Path params;

  @Option(names = "--count", paramLabel = "N", defaultValue = "10",
      description = "how many lines to write (default: 10)")
  int count;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "1",
      description = "divides the scores before the softmax: 1 samples the model, lower is more"
          + " conservative, higher more adventurous (default: 1)")
  double temperature;

  @Option(names = "--seed", paramLabel = "S",
      description = "seed of the draws, for the same lines on every run (default: a new one each run)")
  Long seed;

  @Option(names = "--prefix", paramLabel = "TEXT", defaultValue = "",
      description = "the start of every line (characters of the vocabulary)")
  String prefix;

  @Mixin CodegenOptions codegen;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (count < 0 || count > 1_000_000) {
      throw CliException.usage("--count must be between 0 and 1000000, got " + count);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw CliException.usage("--temperature must be a positive number, got " + temperature);
    }
    Model model = Networks.load(file, network, codegen, 1L, err);
    String characters;
    try {
      Map<String, String> metadata = ParamsFile.metadata(params);
      characters = metadata.get(Vocabulary.METADATA_KEY);
      ParamsFile.load(model, params);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
    if (characters == null) {
      throw CliException.data(params + ": has no vocabulary: sample needs params saved by train --text"
          + " (this file holds " + model.name() + "'s params without one)");
    }
    Vocabulary vocabulary;
    TextSampler sampler;
    try {
      vocabulary = Vocabulary.fromCharacters(characters);
    } catch (IllegalArgumentException e) {
      throw CliException.data(params + ": corrupted vocabulary: " + e.getMessage());
    }
    try {
      sampler = TextSampler.of(model, vocabulary);
    } catch (IllegalArgumentException e) {
      throw new CliException(Main.EXIT_SOURCE, file + ": " + e.getMessage());
    }
    for (int i = 0; i < prefix.length(); ) {
      int cp = prefix.codePointAt(i);
      if (!vocabulary.contains(cp)) {
        throw CliException.usage("--prefix: character " + describe(cp) + " at position " + (i + 1)
            + " is not in the model's vocabulary (" + dev.netc.runtime.Messages.clip(characters) + ")");
      }
      i += Character.charCount(cp);
    }
    if (prefix.codePointCount(0, prefix.length()) > sampler.maxLength()) {
      throw CliException.usage("--prefix is longer than the " + sampler.maxLength()
          + " characters this model writes");
    }
    Rng rng = new Rng(seed != null ? seed : System.nanoTime() ^ ProcessHandle.current().pid());
    for (int i = 0; i < count; i++) {
      String line;
      try {
        line = sampler.sample(rng, temperature, prefix);
      } catch (IllegalStateException e) {
        throw CliException.data(params + ": " + e.getMessage());
      }
      out.println(line);
    }
    out.flush();
    return Main.EXIT_OK;
  }

  private static String describe(int codePoint) {
    return Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)
        ? String.format("U+%04X", codePoint)
        : "'" + new String(Character.toChars(codePoint)) + "'";
  }
}
