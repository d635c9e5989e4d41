package io.tunestream.worker.data;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.tunestream.schemas.Metric;
import io.tunestream.worker.task.Task;
import java.util.List;
import java.util.Locale;

/**
 * How to read a dataset's files (docs/tasks.md, "Your own data"): the file format, which column holds each text
 * and the label, and the task they make. A user writes it as {@code dataset.yaml} beside a named dataset's files, as
 * {@code layout:} in an experiment file, or as {@code --text-columns}/{@code --label-column}/{@code --task} options.
 * Absent values are inferred: the format from the file's extension, the task and the label order from the training
 * labels, the metric from the task.
 *
 * @param format csv (RFC 4180 quoting), tsv (tab-separated, quotes are text: GLUE's layout) or jsonl (one JSON object
 *     per line); null: from the extension
 * @param header whether the first line of a CSV or TSV names the columns (default true); without one, columns are
 *     named by their 0-based index
 * @param textColumns the one or two columns holding the text(s); two make a sentence-pair task
 * @param labelColumn the column holding the label or regression target
 * @param task classification or regression; null: regression if some label is a non-integer number
 * @param labels classification labels in id order; null: the training labels sorted (numerically if all are integers)
 * @param metric the primary metric (docs/tasks.md, "Metrics"); null: the task's default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record DataLayout(
        String format,
        Boolean header,
        List<String> textColumns,
        String labelColumn,
        String task,
        List<String> labels,
        String metric) {

    /** GLUE SST-2's layout, and the default for a TSV given without a layout: {@code sentence} and {@code label}. */
    public static final DataLayout SENTENCE_LABEL =
            new DataLayout(null, null, List.of("sentence"), "label", null, null, null);

    public DataLayout {
        if (textColumns != null) {
            textColumns = List.copyOf(textColumns);
            if (textColumns.isEmpty() || textColumns.size() > 2) {
                throw new IllegalArgumentException("textColumns must name one column or two (a sentence pair), got "
                        + textColumns);
            }
        }
        labels = labels == null ? null : List.copyOf(labels);
    }

    /** This layout with every value {@code override} sets replaced. */
    public DataLayout overriddenBy(DataLayout override) {
        if (override == null) {
            return this;
        }
        return new DataLayout(
                override.format != null ? override.format : format,
                override.header != null ? override.header : header,
                override.textColumns != null ? override.textColumns : textColumns,
                override.labelColumn != null ? override.labelColumn : labelColumn,
                override.task != null ? override.task : task,
                override.labels != null ? override.labels : labels,
                override.metric != null ? override.metric : metric);
    }

    /** The task a resolved layout (one a run recorded, with task, labels and metric filled in) describes. */
    public Task resolvedTask() {
        if (task == null || metric == null) {
            throw new IllegalArgumentException("the layout " + this + " is not resolved: it lacks the task or metric");
        }
        Task.Kind kind = Task.Kind.fromId(task);
        return new Task(kind, kind == Task.Kind.REGRESSION ? List.of() : labels, Metric.fromId(metric));
    }

    public boolean hasHeader() {
        return header == null || header;
    }

    /** Whether the texts are sentence pairs. */
    public boolean pairs() {
        return textColumns != null && textColumns.size() == 2;
    }

    /** The format of {@code fileName}: the layout's, else its extension's. */
    public String formatOf(String fileName) {
        if (format != null) {
            String f = format.trim().toLowerCase(Locale.ROOT);
            if (!List.of("csv", "tsv", "jsonl").contains(f)) {
                throw new IllegalArgumentException("unknown format '" + format + "'; valid formats: csv, tsv, jsonl");
            }
            return f;
        }
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".tsv") || name.endsWith(".txt")) {
            return "tsv";
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return "jsonl";
        }
        throw new IllegalArgumentException(fileName + ": cannot tell the format from the extension; name the file"
                + " .csv, .tsv or .jsonl, or set the layout's format (csv, tsv, jsonl)");
    }
}
