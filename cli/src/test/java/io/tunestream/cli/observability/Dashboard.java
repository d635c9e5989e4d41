package io.tunestream.cli.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** One Grafana dashboard JSON of grafana/dashboards: its panels' queries and its template variables. */
record Dashboard(String file, List<Query> queries, List<Variable> variables) {

    /** The repository's dashboards; the tests run in the cli module's directory. */
    static final Path DIRECTORY = Path.of("..", "grafana", "dashboards");

    /** Metric names in PromQL: ours, and the JVM, process and Kafka client families the dashboards read. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:tunestream|jvm|process|system|kafka)_[a-z0-9_]+\\b");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");
    private static final Pattern QUERY_RESULT = Pattern.compile("query_result\\((.+)\\)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A panel target's expression. */
    record Query(String panel, String expression) {}

    /**
     * A template variable: {@code label_values(selector, label)}, whose options Grafana sorts as {@code sort} says, or
     * {@code query_result(expression)}, whose options are the result's series in the order Prometheus returns them,
     * each read through {@code regex}'s first group (Grafana applies it to the series' text, {@code name{labels} value
     * time}).
     *
     * @param source the selector of label_values, or the expression of query_result
     * @param label the label of label_values; null for query_result
     * @param regex the variable's regex without its slashes; null for none
     * @param allValue what "All" stands for when the variable offers it: its own value, or null for Grafana's default,
     *     the regex of every value the variable has ({@code (a|b)})
     */
    record Variable(String name, String source, String label, String regex, boolean includeAll, String allValue) {

        /** The variable's options, in the order Grafana lists them, the first being the one a dashboard opens on. */
        List<String> options(PrometheusServer prometheus, Map<String, String> values) throws IOException, InterruptedException {
            String resolved = substitute(source, values);
            if (label != null) {
                return prometheus.labelValues(label, resolved);
            }
            Pattern pattern = Pattern.compile(regex == null ? "(.*)" : regex);
            List<String> options = new ArrayList<>();
            for (JsonNode series : prometheus.query(resolved).path("result")) {
                List<String> labels = new ArrayList<>();
                series.path("metric").fields().forEachRemaining(e -> labels.add(e.getKey() + "=\"" + e.getValue().asText() + "\""));
                Matcher m = pattern.matcher("{" + String.join(", ", labels) + "} " + series.path("value").path(1).asText());
                if (m.find() && !options.contains(m.group(1))) {
                    options.add(m.group(1));
                }
            }
            return options;
        }

        /**
         * The variable's value with "All" selected, as Grafana writes it into a query: each value's regex characters
         * escaped with a backslash, doubled inside PromQL's string.
         */
        String all(List<String> values) {
            return allValue != null ? allValue : "(" + String.join("|",
                    values.stream().map(v -> v.replaceAll("([\\\\^$.|?*+()\\[\\]{}])", "\\\\\\\\$1")).toList()) + ")";
        }
    }

    static List<Dashboard> all() {
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().map(Dashboard::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dashboard read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(panel.path("title").asText(), target.path("expr").asText()));
            }
        }
        List<Variable> variables = new ArrayList<>();
        for (JsonNode variable : root.path("templating").path("list")) {
            String definition = variable.path("query").isObject() ? variable.path("query").path("query").asText()
                    : variable.path("query").asText();
            String name = variable.path("name").asText();
            String allValue = variable.hasNonNull("allValue") ? variable.get("allValue").asText() : null;
            boolean includeAll = variable.path("includeAll").asBoolean();
            Matcher labelValues = LABEL_VALUES.matcher(definition);
            Matcher queryResult = QUERY_RESULT.matcher(definition);
            if (labelValues.matches()) {
                variables.add(new Variable(name, labelValues.group(1).strip(), labelValues.group(2), null, includeAll, allValue));
            } else if (queryResult.matches()) {
                String regex = variable.path("regex").asText("");
                if (regex.length() < 2 || !regex.startsWith("/") || !regex.endsWith("/")) {
                    throw new AssertionError(file + ": variable " + name + " reads query_result without a /regex/ to pick its values");
                }
                variables.add(new Variable(name, queryResult.group(1).strip(), null, regex.substring(1, regex.length() - 1),
                        includeAll, allValue));
            } else {
                throw new AssertionError(file + ": variable " + name + " is neither label_values(selector, label) nor"
                        + " query_result(expression): " + definition);
            }
        }
        return new Dashboard(file.getFileName().toString(), queries, variables);
    }

    /** Every metric name the queries and variables read. */
    Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        Stream.concat(queries.stream().map(Query::expression), variables.stream().map(Variable::source))
                .forEach(text -> METRIC.matcher(text).results().forEach(r -> names.add(r.group())));
        return names;
    }

    /** {@code text} with {@code $name} and {@code ${name}} replaced by the values; longer names first. */
    static String substitute(String text, Map<String, String> values) {
        String result = text;
        List<String> names = values.keySet().stream().sorted(Comparator.comparing(String::length).reversed()).toList();
        for (String name : names) {
            result = result.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
        }
        return result;
    }
}
