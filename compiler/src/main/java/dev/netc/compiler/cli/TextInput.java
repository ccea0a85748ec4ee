package dev.netc.compiler.cli;

import dev.netc.runtime.DataException;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Model;
import dev.netc.runtime.TextData;
import dev.netc.runtime.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code netc train --text}: a text file of lines laid out for the network (runtime {@link
 * TextData}), its vocabulary, and the split into training and validation lines.
 */
final class TextInput {
  final Vocabulary vocabulary;
  final TextData.Layout layout;
  final TextData.Examples train;
  final TextData.Examples validation; // null without validation lines
  final String description;

  private TextInput(Vocabulary vocabulary, TextData.Layout layout, TextData.Examples train,
      TextData.Examples validation, String description) {
    this.vocabulary = vocabulary;
    this.layout = layout;
    this.train = train;
    this.validation = validation;
    this.description = description;
  }

  /**
   * Reads {@code text} (and {@code test}, when given, for validation; otherwise a seeded share
   * {@code testFraction} of the lines), builds the vocabulary of every line read and lays the
   * lines out for {@code model}.
   */
  static TextInput load(Path text, Path test, String match, double testFraction, long seed, Model model) {
    TextData.Layout layout;
    try {
      layout = TextData.Layout.of(model);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--text: " + e.getMessage());
    }
    Pattern keep;
    try {
      keep = match == null ? null : Pattern.compile(match);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw CliException.usage("--text-match is not a regular expression: " + e.getDescription()
          + " at index " + e.getIndex() + " of " + match);
    }
    try {
      List<String> lines = TextData.readLines(text, keep);
      List<String> trainLines;
      List<String> validLines;
      if (test != null) {
        trainLines = lines;
        validLines = TextData.readLines(test, keep);
      } else {
        TextData.Split split = TextData.split(lines, testFraction, seed);
        trainLines = split.train();
        validLines = split.validation();
      }
      if (trainLines.isEmpty()) {
        throw CliException.data(text + ": too few lines (" + lines.size() + ") to hold out " + testFraction
            + " for validation; give --test or --test-fraction 0");
      }
      List<String> all = new ArrayList<>(trainLines);
      all.addAll(validLines);
      Vocabulary vocabulary = Vocabulary.of(all);
      try {
        layout.checkOutput(model, vocabulary);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--text " + text + ": " + e.getMessage());
      }
      TextData.Examples train = layout.examples(trainLines, vocabulary);
      TextData.Examples valid = validLines.isEmpty() ? null : layout.examples(validLines, vocabulary);
      String description = String.format(Locale.ROOT,
          "text %s: %d training lines, %d validation lines%s; vocabulary of %d ids (padding, boundary, %s); %s",
          text, trainLines.size(), validLines.size(), match == null ? "" : " (matching " + match + ")",
          vocabulary.size(), dev.netc.runtime.Messages.clip(vocabulary.characters()),
          layout.sequence() ? "sequences of " + layout.width() : "windows of " + layout.width() + " characters");
      return new TextInput(vocabulary, layout, train, valid, description);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
  }

  Dataset trainSet(Model model) {
    return TextData.dataset(model, train);
  }

  Dataset validationSet(Model model) {
    return validation == null ? null : TextData.dataset(model, validation);
  }
}
