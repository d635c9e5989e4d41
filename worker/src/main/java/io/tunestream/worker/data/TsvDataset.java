package io.tunestream.worker.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a tab-separated file with a header naming a {@code sentence} and a {@code label} column (GLUE SST-2's
 * layout, and any TSV that follows it). Fields are trimmed: SST-2 puts a space before each tab. A malformed line
 * fails the whole read with its line number, so a run never trains on silently skipped data.
 */
public final class TsvDataset {

    public static final String SENTENCE_COLUMN = "sentence";
    public static final String LABEL_COLUMN = "label";

    private TsvDataset() {}

    public static List<LabelledSentence> read(Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                throw new IllegalArgumentException(file + " is empty; expected a header with 'sentence' and 'label' columns");
            }
            List<String> columns = Arrays.stream(header.split("\t", -1)).map(String::trim).toList();
            int sentenceColumn = columns.indexOf(SENTENCE_COLUMN);
            int labelColumn = columns.indexOf(LABEL_COLUMN);
            if (sentenceColumn < 0 || labelColumn < 0) {
                throw new IllegalArgumentException(
                        file + ": the header " + columns + " lacks a 'sentence' or 'label' column");
            }
            List<LabelledSentence> examples = new ArrayList<>();
            String line;
            int lineNumber = 1;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                if (fields.length != columns.size()) {
                    throw new IllegalArgumentException(file + ":" + lineNumber + ": expected " + columns.size()
                            + " tab-separated fields, found " + fields.length);
                }
                String label = fields[labelColumn].trim();
                if (!label.equals("0") && !label.equals("1")) {
                    throw new IllegalArgumentException(file + ":" + lineNumber + ": label '" + label + "' is not 0 or 1");
                }
                examples.add(new LabelledSentence(fields[sentenceColumn].trim(), Integer.parseInt(label)));
            }
            if (examples.isEmpty()) {
                throw new IllegalArgumentException(file + " has a header but no examples");
            }
            return examples;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("data file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
