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
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A panel target's expression. */
    record Query(String panel, String expression) {}

    /**
     * A template variable defined by {@code label_values(selector, label)}.
     *
     * @param allValue what "All" stands for when the variable offers it: its own value, or null for Grafana's default,
     *     the regex of every value the variable has ({@code (a|b)})
     */
    record Variable(String name, String selector, String label, boolean includeAll, String allValue) {

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
            Matcher m = LABEL_VALUES.matcher(definition);
            if (!m.matches()) {
                throw new AssertionError(file + ": variable " + variable.path("name").asText()
                        + " is not label_values(selector, label): " + definition);
            }
            variables.add(new Variable(variable.path("name").asText(), m.group(1).strip(), m.group(2),
                    variable.path("includeAll").asBoolean(), variable.hasNonNull("allValue") ? variable.get("allValue").asText() : null));
        }
        return new Dashboard(file.getFileName().toString(), queries, variables);
    }

    /** Every metric name the queries and variables read. */
    Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        Stream.concat(queries.stream().map(Query::expression), variables.stream().map(Variable::selector))
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
