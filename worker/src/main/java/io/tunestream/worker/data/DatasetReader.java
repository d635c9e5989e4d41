package io.tunestream.worker.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.IoErrors;
import io.tunestream.schemas.Metric;
import io.tunestream.worker.task.Task;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads labelled examples from CSV, TSV and JSON Lines files as a {@link DataLayout} describes them
 * (docs/tasks.md). Every problem fails the whole read before any training, naming the file, the line and the
 * column: a missing column, a ragged row, an empty split, a label outside the task's labels, a regression target
 * that is not a number. Nothing is skipped silently.
 */
public final class DatasetReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char BYTE_ORDER_MARK = '\ufeff';

    private DatasetReader() {}

    /** One data row as read: its line, its texts and its label, not yet checked against a task. */
    public record Row(Path file, long line, String text, String pair, String label) {

        String at() {
            return file + ":" + line;
        }
    }

    /** The rows of {@code file}, with the columns {@code layout} names. */
    public static List<Row> rows(Path file, DataLayout layout) {
        if (layout.textColumns() == null || layout.labelColumn() == null) {
            throw new IllegalArgumentException(file + ": the layout names no " + (layout.textColumns() == null
                    ? "text column (textColumns, --text-columns)" : "label column (labelColumn, --label-column)"));
        }
        List<Row> rows;
        try {
            rows = switch (layout.formatOf(file.toString())) {
                case "csv" -> delimited(file, layout, CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get());
                case "tsv" -> delimited(file, layout, CSVFormat.TDF.builder().setQuote(null).setEscape(null)
                        .setIgnoreSurroundingSpaces(false).setIgnoreEmptyLines(false).get());
                default -> jsonLines(file, layout);
            };
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("data file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + IoErrors.reason(file, e), e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " has no examples");
        }
        return rows;
    }

    private static List<Row> delimited(Path file, DataLayout layout, CSVFormat format) throws IOException {
        try (Reader reader = withoutByteOrderMark(file);
                CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            List<Row> rows = new ArrayList<>();
            List<String> columns = null;
            int[] texts = null;
            int label = -1;
            long line = 1;
            for (CSVRecord record : parser) {
                long recordLine = line;
                line = parser.getCurrentLineNumber() + 1;
                if (record.size() == 1 && record.get(0).isBlank()) {
                    continue;
                }
                if (columns == null) {
                    columns = layout.hasHeader()
                            ? record.stream().map(String::trim).toList()
                            : java.util.stream.IntStream.range(0, record.size()).mapToObj(Integer::toString).toList();
                    List<String> named = columns;
                    texts = layout.textColumns().stream().mapToInt(c -> column(file, named, c, layout)).toArray();
                    label = column(file, columns, layout.labelColumn(), layout);
                    if (layout.hasHeader()) {
                        continue;
                    }
                }
                if (record.size() != columns.size()) {
                    throw new IllegalArgumentException(file + ":" + recordLine + ": expected " + columns.size()
                            + " fields as " + (layout.hasHeader() ? "the header has" : "the first row has") + ", found "
                            + record.size());
                }
                rows.add(new Row(file, recordLine, record.get(texts[0]).trim(),
                        texts.length > 1 ? record.get(texts[1]).trim() : null, record.get(label).trim()));
            }
            if (columns == null) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return rows;
        }
    }

    private static int column(Path file, List<String> columns, String name, DataLayout layout) {
        int index = columns.indexOf(name.trim());
        if (index < 0) {
            throw new IllegalArgumentException(file + ":1: no column '" + name + "'; "
                    + (layout.hasHeader() ? "the header has " + columns
                            : "the file has no header, so columns are 0-based indices 0 to " + (columns.size() - 1)));
        }
        return index;
    }

    private static List<Row> jsonLines(Path file, DataLayout layout) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader reader = withoutByteOrderMark(file)) {
            String text;
            long line = 0;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + line + ": not a JSON object: "
                            + e.getOriginalMessage());
                }
                if (!node.isObject()) {
                    throw new IllegalArgumentException(file + ":" + line + ": not a JSON object");
                }
                List<String> texts = layout.textColumns();
                rows.add(new Row(file, line, field(node, texts.get(0), file, line),
                        texts.size() > 1 ? field(node, texts.get(1), file, line) : null,
                        field(node, layout.labelColumn(), file, line)));
            }
        }
        return rows;
    }

    private static String field(JsonNode node, String name, Path file, long line) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull() || value.isContainerNode()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            throw new IllegalArgumentException(file + ":" + line + ": column '" + name + "' is "
                    + (value == null ? "missing; the object has " + keys : "not text or a number"));
        }
        return value.asText().trim();
    }

    private static BufferedReader withoutByteOrderMark(Path file) throws IOException {
        BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        reader.mark(1);
        if (reader.read() != BYTE_ORDER_MARK) {
            reader.reset();
        }
        return reader;
    }

    /**
     * The task {@code layout} declares, with what it leaves out inferred from the training rows: regression if
     * every label is a number and some is not an integer, else classification over the labels found, sorted
     * (numerically when every label is an integer, so that GLUE's 0/1 keep their ids).
     */
    public static Task task(DataLayout layout, List<Row> train) {
        Task.Kind kind;
        if (layout.task() != null) {
            kind = Task.Kind.fromId(layout.task());
        } else {
            kind = train.stream().allMatch(r -> number(r.label()) != null)
                    && train.stream().anyMatch(r -> !isInteger(number(r.label())))
                    ? Task.Kind.REGRESSION : Task.Kind.CLASSIFICATION;
        }
        Metric metric = layout.metric() != null ? Metric.fromId(layout.metric()) : Task.defaultMetric(kind);
        if (kind == Task.Kind.REGRESSION) {
            if (layout.labels() != null) {
                throw new IllegalArgumentException("labels " + layout.labels() + " were given for a regression task;"
                        + " regression targets are numbers");
            }
            return new Task(kind, List.of(), metric);
        }
        List<String> labels = layout.labels() != null ? layout.labels() : inferredLabels(train);
        return new Task(kind, labels, metric);
    }

    private static List<String> inferredLabels(List<Row> train) {
        Set<String> found = new LinkedHashSet<>();
        train.forEach(r -> found.add(r.label()));
        boolean integers = found.stream().allMatch(l -> number(l) != null && isInteger(number(l)));
        Comparator<String> order = integers ? Comparator.comparing(DatasetReader::number) : Comparator.naturalOrder();
        TreeSet<String> sorted = new TreeSet<>(order);
        sorted.addAll(found);
        if (sorted.size() < 2) {
            throw new IllegalArgumentException(train.get(0).file() + ": every training label is " + found
                    + "; classification needs at least two labels (or set the task to regression)");
        }
        return List.copyOf(sorted);
    }

    /** The examples of {@code rows} for {@code task}: labels mapped to their ids, targets parsed. */
    public static List<Example> examples(List<Row> rows, Task task, DataLayout layout) {
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < task.labels().size(); i++) {
            ids.put(task.labels().get(i), i);
        }
        List<Example> examples = new ArrayList<>(rows.size());
        for (Row row : rows) {
            double label;
            if (task.isRegression()) {
                BigDecimal target = number(row.label());
                if (target == null || !Double.isFinite(target.doubleValue())) {
                    throw new IllegalArgumentException(row.at() + ": column '" + layout.labelColumn() + "': regression"
                            + " target '" + row.label() + "' is not a number");
                }
                label = target.doubleValue();
            } else {
                Integer id = ids.get(row.label());
                if (id == null) {
                    throw new IllegalArgumentException(row.at() + ": column '" + layout.labelColumn() + "': label '"
                            + row.label() + "' is not one of the task's labels " + task.labels());
                }
                label = id;
            }
            examples.add(new Example(row.text(), row.pair(), label));
        }
        return examples;
    }

    private static BigDecimal number(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isInteger(BigDecimal value) {
        return value.stripTrailingZeros().scale() <= 0;
    }

    /** Column names given as one comma-separated option value: {@code premise,hypothesis}. */
    public static List<String> columnList(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
