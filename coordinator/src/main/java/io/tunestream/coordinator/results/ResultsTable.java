package io.tunestream.coordinator.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.Scores;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The comparison a sweep exists for: its runs by dataset, sorted by the best value of each task's primary metric
 * (named in the metric column), with the trainable parameters (adapter
 * and head, and their share of the model), wall time and throughput. Text, markdown, CSV or JSON.
 */
public final class ResultsTable {

    public enum Format { TABLE, MARKDOWN, CSV, JSON }

    private record Column(String name, Function<RunRecord, Object> value) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("run", RunRecord::runId),
            new Column("state", r -> r.state().name()),
            new Column("dataset", RunRecord::dataset),
            new Column("method", r -> r.setting(ExperimentField.METHOD)),
            new Column("rank", r -> r.setting(ExperimentField.RANK)),
            new Column("lr", r -> r.setting(ExperimentField.LEARNING_RATE)),
            new Column("seed", r -> r.setting(ExperimentField.SEED)),
            new Column("metric", RunRecord::metric),
            new Column("best", r -> Double.isNaN(r.bestScore()) ? null : r.bestScore()),
            new Column("best_step", r -> summary(r, RunSummary::getBestStep)),
            new Column("final", r -> Double.isNaN(r.finalScore()) ? null : r.finalScore()),
            new Column("adapter_params", r -> summary(r, RunSummary::getAdapterParameters)),
            new Column("head_params", r -> summary(r, RunSummary::getHeadParameters)),
            new Column("trainable_share", r -> summary(r, s -> (double) (s.getAdapterParameters() + s.getHeadParameters()) / s.getTotalParameters())),
            new Column("wall_seconds", r -> summary(r, RunSummary::getWallSeconds)),
            new Column("samples_per_second", r -> summary(r, RunSummary::getSamplesPerSecond)),
            new Column("steps", r -> r.status() == null ? null : r.status().getStep()),
            new Column("note", ResultsTable::note));

    private ResultsTable() {}

    public static Format format(String name) {
        return Arrays.stream(Format.values()).filter(f -> f.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown format '" + name + "'; valid formats: table, markdown, csv, json"));
    }

    public static String render(List<RunRecord> runs, Format format) {
        List<RunRecord> sorted = RunLedger.byBestScore(runs);
        return switch (format) {
            case JSON -> json(sorted);
            case CSV -> delimited(sorted, ",", false);
            case MARKDOWN -> delimited(sorted, " | ", true);
            case TABLE -> aligned(sorted);
        };
    }

    /** The finished runs as outcomes of their configurations: the settings their requests give, but the seed. */
    public static List<Repeats.Outcome> outcomes(List<RunRecord> runs) {
        List<Repeats.Outcome> outcomes = new ArrayList<>();
        for (RunRecord run : runs) {
            if (run.request() == null || !run.finished() || Double.isNaN(run.bestScore())) {
                continue;
            }
            Map<String, String> settings = new LinkedHashMap<>();
            for (ExperimentField field : ExperimentField.values()) {
                Object value = field.identifying() && field != ExperimentField.SEED ? field.read(run.request()) : null;
                if (value != null) {
                    settings.put(field.fieldName(), value instanceof Enum<?> id ? id.name() : value.toString());
                }
            }
            outcomes.add(new Repeats.Outcome(run.dataset(), settings, run.metric(), run.bestScore()));
        }
        return outcomes;
    }

    /**
     * Each configuration's mean, standard deviation and count of its best primary metric, and how it compares with
     * the best ({@link Repeats}), as a plain or Markdown table.
     */
    public static String configurations(List<Repeats.Summary> summaries, boolean markdown) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("dataset", "configuration", "runs", "metric", "mean", "sd", "p_vs_best", "verdict"));
        for (Repeats.Summary s : summaries) {
            rows.add(List.of(s.dataset(), s.label(), Integer.toString(s.count()), s.metric(), Scores.format(s.metric(), s.mean()),
                    Double.isNaN(s.sd()) ? "-" : Scores.format(s.metric(), s.sd()),
                    Double.isNaN(s.pValue()) ? "-" : String.format(Locale.ROOT, "%.3f", s.pValue()),
                    s.verdict().name().toLowerCase(Locale.ROOT)));
        }
        if (markdown) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < rows.size(); i++) {
                out.append("| ").append(String.join(" | ", rows.get(i).stream().map(c -> c.replace("|", "\\|")).toList())).append(" |\n");
                if (i == 0) {
                    out.append("|").append(" --- |".repeat(rows.get(0).size())).append('\n');
                }
            }
            return out.toString();
        }
        return padded(rows);
    }

    /**
     * The table's columns, then what a program needs to tell results apart and find them: the resolved experiment,
     * its lineage (docs/worker.md, "Lineage") and where its artifacts are.
     */
    private static String json(List<RunRecord> runs) {
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunRecord run : runs) {
            Map<String, Object> row = new LinkedHashMap<>();
            COLUMNS.forEach(c -> row.put(c.name(), c.value().apply(run)));
            RunStatus status = run.status();
            row.put("experiment", status == null ? Map.of() : new TreeMap<>(status.getExperiment()));
            try {
                row.put("lineage", status == null || status.getLineage() == null ? null : json.readTree(status.getLineage().toString()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            row.put("artifacts", status == null ? Map.of() : new TreeMap<>(status.getArtifacts()));
            rows.add(row);
        }
        try {
            return json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String delimited(List<RunRecord> runs, String separator, boolean markdown) {
        StringBuilder out = new StringBuilder();
        List<String> header = COLUMNS.stream().map(Column::name).toList();
        out.append(markdown ? "| " : "").append(String.join(separator, header)).append(markdown ? " |" : "").append('\n');
        if (markdown) {
            out.append("|").append(" --- |".repeat(header.size())).append('\n');
        }
        for (RunRecord run : runs) {
            List<String> cells = COLUMNS.stream().map(c -> cell(c, run, !markdown))
                    .map(cell -> markdown ? cell.replace("|", "\\|") : csvField(cell)).toList();
            out.append(markdown ? "| " : "").append(String.join(separator, cells)).append(markdown ? " |" : "").append('\n');
        }
        return out.toString();
    }

    private static String aligned(List<RunRecord> runs) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS.stream().map(Column::name).toList());
        runs.forEach(run -> rows.add(COLUMNS.stream().map(c -> cell(c, run, false)).toList()));
        return padded(rows);
    }

    /** Rows as columns padded to their widest cell, the first row a header. */
    private static String padded(List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                out.append(String.format(Locale.ROOT, "%-" + widths[i] + "s", row.get(i))).append(i + 1 < row.size() ? "  " : "");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** One cell; raw numbers for CSV, readable ones (percentages, separators) for people. */
    private static String cell(Column column, RunRecord run, boolean raw) {
        Object value = column.value().apply(run);
        if (value == null) {
            return raw ? "" : "-";
        }
        if (raw || !(value instanceof Number number)) {
            return value.toString();
        }
        return switch (column.name()) {
            case "best", "final" -> Scores.format(run.metric(), number.doubleValue());
            case "trainable_share" -> String.format(Locale.ROOT, "%.3f%%", 100 * number.doubleValue());
            case "adapter_params", "head_params" -> String.format(Locale.ROOT, "%,d", number.longValue());
            case "wall_seconds", "samples_per_second" -> String.format(Locale.ROOT, "%.1f", number.doubleValue());
            case "lr" -> String.format(Locale.ROOT, "%.1e", number.doubleValue());
            default -> value.toString();
        };
    }

    /** Why a run ended as it did, when it was not by finishing: an early stop, a budget, a cancel, a failure. */
    static String note(RunRecord run) {
        if (run.status() == null) {
            return null;
        }
        if (run.status().getReason() != null) {
            return run.status().getReason();
        }
        return run.status().getFailure() == null ? null
                : run.status().getFailure().getKind() + ": " + run.status().getFailure().getMessage();
    }

    private static String csvField(String cell) {
        return cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell;
    }


    private static Object summary(RunRecord run, Function<RunSummary, Object> field) {
        return run.status() == null || run.status().getSummary() == null ? null : field.apply(run.status().getSummary());
    }
}
