package io.tunestream.worker.data;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of a {@link DataLayout}, each defined once (docs/tasks.md, "Your own data"): its name (as in
 * {@code dataset.yaml} and an experiment file's {@code layout:}), its command-line option, whether it is a list, and
 * its help. {@code train}'s and {@code eval}'s layout options and docs/tasks.md's table are made from it.
 */
public enum LayoutField {
    TEXT_COLUMNS("textColumns", "--text-columns", true, true,
            "One text column, or two for sentence pairs (premise,hypothesis); a headerless file names columns by 0-based index."),
    LABEL_COLUMN("labelColumn", "--label-column", false, true, "The label, or the regression target."),
    TASK("task", "--task", false, false,
            "classification or regression; when absent, regression if every label is a number and some is not an integer."),
    LABELS("labels", "--labels", true, false,
            "Classification labels in id order; when absent, the training labels sorted (numerically if all are integers)."),
    METRIC("metric", "--metric", false, false,
            "The primary metric: accuracy, f1, macro_f1, matthews, f1_accuracy, pearson, spearman or pearson_spearman; when absent, the task's."),
    HEADER("header", "--header", false, true, "Whether the first line of a CSV or TSV names the columns (true or false; default true)."),
    FORMAT("format", "--format", false, true, "csv, tsv or jsonl, when the file's extension does not say.");

    private final String fieldName;
    private final String option;
    private final boolean list;
    private final boolean describesFile;
    private final String help;

    LayoutField(String fieldName, String option, boolean list, boolean describesFile, String help) {
        this.fieldName = fieldName;
        this.option = option;
        this.list = list;
        this.describesFile = describesFile;
        this.help = help;
    }

    public String fieldName() {
        return fieldName;
    }

    public String option() {
        return option;
    }

    public String help() {
        return help;
    }

    /**
     * Whether the field describes a file's shape (its columns, header, format) rather than the task: {@code eval} may
     * read a file laid out differently, but its task, labels and metric are the run's.
     */
    public boolean describesFile() {
        return describesFile;
    }

    /** The layout that {@code values} (option text by field; lists comma-separated) set, if they set anything. */
    public static Optional<DataLayout> layout(Map<LayoutField, String> values) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        String header = values.get(HEADER);
        if (header != null && !header.equalsIgnoreCase("true") && !header.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("header must be true or false, got '" + header + "'");
        }
        return Optional.of(new DataLayout(values.get(FORMAT), header == null ? null : Boolean.valueOf(header),
                list(values.get(TEXT_COLUMNS)), values.get(LABEL_COLUMN), values.get(TASK), list(values.get(LABELS)),
                values.get(METRIC)));
    }

    private static List<String> list(String text) {
        return text == null ? null : DatasetReader.columnList(text);
    }

    /** The fields as the Markdown table docs/tasks.md holds. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| layout field | option | meaning |\n| --- | --- | --- |\n");
        Arrays.stream(values()).forEach(f -> table.append("| `").append(f.fieldName).append("` | `").append(f.option)
                .append(f.list ? " A,B" : " VALUE").append("` | ").append(f.help).append(" |\n"));
        return table.toString();
    }
}
