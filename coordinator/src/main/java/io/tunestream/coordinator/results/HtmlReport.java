package io.tunestream.coordinator.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.coordinator.schedule.Quantiles;
import io.tunestream.coordinator.service.CoordinatorState;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.IoErrors;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.Scores;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.commons.math3.stat.StatUtils;

/**
 * Results as one self-contained HTML page (docs/results.md, "The HTML report"): per dataset the results table with
 * the task's primary metric, a summary per method, the configurations over their seeds, learning curves per step and
 * a parallel-coordinates chart of the settings against the primary metric. Apache ECharts (from its WebJar) and the
 * runs' data are inlined, so the page opens with no network.
 */
public final class HtmlReport {

    /** The most points of one curve on the page: longer curves keep every k-th point and their last. */
    static final int MAX_POINTS = 400;

    private static final String TEMPLATE = "report.html";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ECHARTS = "META-INF/resources/webjars/echarts/%s/dist/echarts.min.js";
    private static final String ECHARTS_POM = "META-INF/maven/org.webjars.npm/echarts/pom.properties";

    /**
     * One run as the page shows it; a number is null where the run has none yet.
     *
     * @param settings every setting the run trains with, field name to value (docs/experiment-fields.md)
     * @param scores the primary metric at each evaluation, as (step, value)
     * @param losses the training loss per step, as (step, value)
     */
    public record Run(String run, String state, String dataset, String metric, Double best, Long bestStep, Double finalScore,
            Long adapterParameters, Long headParameters, Double wallSeconds, Double samplesPerSecond, String note,
            Map<String, Object> settings, List<double[]> scores, List<double[]> losses) {

        String method() {
            return String.valueOf(settings.getOrDefault(ExperimentField.METHOD.fieldName(), "-"));
        }

        /** This run with other curves (the page's, cut to {@link #MAX_POINTS}). */
        Run withCurves(List<double[]> newScores, List<double[]> newLosses) {
            return new Run(run, state, dataset, metric, best, bestStep, finalScore, adapterParameters, headParameters,
                    wallSeconds, samplesPerSecond, note, settings, newScores, newLosses);
        }
    }

    /** One method's runs on one dataset. */
    record MethodSummary(String dataset, String method, String metric, int runs, int scored, Double best, String bestRun,
            Double mean, Double sd, Long trainableParameters, Double medianWallSeconds, Double medianSamplesPerSecond) {}

    private HtmlReport() {}

    /** A run known from Kafka, with its curves from {@code state}. */
    public static Run of(RunRecord record, CoordinatorState state) {
        RunSummary summary = record.status() == null ? null : record.status().getSummary();
        Map<String, Object> settings = new LinkedHashMap<>();
        for (ExperimentField field : ExperimentField.values()) {
            Object value = record.setting(field);
            if (value != null) {
                settings.put(field.fieldName(), settingValue(value));
            }
        }
        return new Run(record.runId(), record.state().name(), record.dataset(), record.metric(), number(record.bestScore()),
                summary == null ? null : (long) summary.getBestStep(), number(record.finalScore()),
                summary == null ? null : summary.getAdapterParameters(), summary == null ? null : summary.getHeadParameters(),
                summary == null ? null : summary.getWallSeconds(), summary == null ? null : summary.getSamplesPerSecond(),
                ResultsTable.note(record),
                settings, points(state.scores(record.runId())), points(state.losses(record.runId())));
    }

    /** A setting as the page shows it: enums by name, lists joined with commas, numbers and text as they are. */
    public static Object settingValue(Object value) {
        if (value instanceof Enum<?> id) {
            return id.name();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return value instanceof Number || value instanceof Boolean ? value : String.valueOf(value);
    }

    /** NaN as null: JSON has no NaN. */
    public static Double number(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }

    /**
     * Writes {@code directory/index.html} and returns its path.
     *
     * @param configurations the configurations over their seeds ({@link Repeats#summarise}); empty when none repeats
     */
    public static Path write(String title, List<Run> runs, List<Repeats.Summary> configurations, Path directory) {
        Path page = directory.resolve("index.html");
        try {
            Files.createDirectories(directory);
            Files.writeString(page, page(title, runs, configurations, Instant.now()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + page + ": " + IoErrors.reason(page, e), e);
        }
        return page;
    }

    /** The page's HTML. */
    static String page(String title, List<Run> runs, List<Repeats.Summary> configurations, Instant generated) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("title", title);
        data.put("generated", generated.truncatedTo(ChronoUnit.SECONDS).toString());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Run run : sorted(runs)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> row = JSON.convertValue(run.withCurves(downsampled(run.scores()), downsampled(run.losses())),
                    Map.class);
            row.put("method", run.method());
            row.put("bestText", run.best() == null ? "-" : Scores.format(run.metric(), run.best()));
            row.put("finalText", run.finalScore() == null ? "-" : Scores.format(run.metric(), run.finalScore()));
            rows.add(row);
        }
        data.put("runs", rows);
        // the metrics shown as percentages, as Scores.format shows them
        data.put("shares", runs.stream().map(Run::metric).distinct()
                .filter(metric -> Scores.format(metric, 1).endsWith("%")).sorted().toList());
        data.put("methods", methodSummaries(runs));
        List<Map<String, Object>> configurationRows = new ArrayList<>();
        for (Repeats.Summary s : configurations) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("dataset", s.dataset());
            row.put("configuration", s.label());
            row.put("runs", s.count());
            row.put("metric", s.metric());
            row.put("mean", Scores.format(s.metric(), s.mean()));
            row.put("sd", Double.isNaN(s.sd()) ? "-" : Scores.format(s.metric(), s.sd()));
            row.put("p", Double.isNaN(s.pValue()) ? "-" : String.format(java.util.Locale.ROOT, "%.3f", s.pValue()));
            row.put("verdict", s.verdict().name().toLowerCase(java.util.Locale.ROOT));
            configurationRows.add(row);
        }
        data.put("configurations", configurationRows);
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        // inside <script>, "</script" would end the element: '<' is written as its JSON escape
        json = json.replace("<", "\\u003c");
        return fill(resource(TEMPLATE), Map.of("title", escapeHtml(title), "echarts", echarts(), "data", json));
    }

    /** The template with each {@code {{name}}} replaced by its value; values are not scanned again. */
    private static String fill(String template, Map<String, String> values) {
        StringBuilder page = new StringBuilder(template.length() + values.values().stream().mapToInt(String::length).sum());
        int from = 0;
        for (int open = template.indexOf("{{"); open >= 0; open = template.indexOf("{{", from)) {
            int close = template.indexOf("}}", open);
            String value = values.get(template.substring(open + 2, close));
            if (value == null) {
                throw new IllegalStateException("the report template names an unknown value: " + template.substring(open, close + 2));
            }
            page.append(template, from, open).append(value);
            from = close + 2;
        }
        return page.append(template, from, template.length()).toString();
    }

    /** Datasets in name order, best primary metric first within each, runs without a score last. */
    static List<Run> sorted(List<Run> runs) {
        return runs.stream().sorted(Comparator.comparing(Run::dataset)
                        .thenComparing(r -> r.best() == null ? Double.POSITIVE_INFINITY : -r.best())
                        .thenComparing(Run::run))
                .toList();
    }

    /** Per dataset and method: how many runs, the best and its run, mean and spread of the runs' best scores. */
    static List<MethodSummary> methodSummaries(List<Run> runs) {
        Map<List<String>, List<Run>> groups = runs.stream().collect(Collectors.groupingBy(
                r -> List.of(r.dataset(), r.method()), LinkedHashMap::new, Collectors.toList()));
        List<MethodSummary> summaries = new ArrayList<>();
        groups.forEach((key, group) -> {
            List<Run> scored = group.stream().filter(r -> r.best() != null).sorted(Comparator.comparing(r -> -r.best())).toList();
            double[] best = scored.stream().mapToDouble(Run::best).toArray();
            Run top = scored.isEmpty() ? null : scored.get(0);
            summaries.add(new MethodSummary(key.get(0), key.get(1), top == null ? group.get(0).metric() : top.metric(),
                    group.size(), scored.size(), top == null ? null : top.best(), top == null ? null : top.run(),
                    best.length == 0 ? null : StatUtils.mean(best),
                    best.length < 2 ? null : Math.sqrt(StatUtils.variance(best)),
                    top == null || top.adapterParameters() == null ? null : top.adapterParameters() + top.headParameters(),
                    median(group.stream().map(Run::wallSeconds).toList()),
                    median(group.stream().map(Run::samplesPerSecond).toList())));
        });
        summaries.sort(Comparator.comparing(MethodSummary::dataset)
                .thenComparing(s -> s.best() == null ? Double.POSITIVE_INFINITY : -s.best()));
        return summaries;
    }

    private static Double median(List<Double> values) {
        List<Double> known = values.stream().filter(v -> v != null).toList();
        return known.isEmpty() ? null : Quantiles.median(known);
    }

    private static List<double[]> points(List<CoordinatorState.Point> points) {
        return points.stream().map(p -> new double[] {p.step(), p.value()}).toList();
    }

    /** At most {@link #MAX_POINTS} of a curve: every k-th point, and always the last. */
    static List<double[]> downsampled(List<double[]> curve) {
        if (curve.size() <= MAX_POINTS) {
            return curve;
        }
        int stride = (curve.size() + MAX_POINTS - 2) / (MAX_POINTS - 1);
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < curve.size() - 1; i += stride) {
            kept.add(curve.get(i));
        }
        kept.add(curve.get(curve.size() - 1));
        return kept;
    }

    /** The minified ECharts of the WebJar on the classpath, whichever version the build chose. */
    private static String echarts() {
        Properties pom = new Properties();
        try (InputStream in = stream(ECHARTS_POM)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return resource(String.format(ECHARTS, pom.getProperty("version")));
    }

    private static String resource(String name) {
        try (InputStream in = stream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String name) {
        InputStream in = name.startsWith("META-INF/") ? HtmlReport.class.getClassLoader().getResourceAsStream(name)
                : HtmlReport.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing from the classpath: " + name);
        }
        return in;
    }

    private static String escapeHtml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
