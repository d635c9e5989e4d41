package io.tunestream.coordinator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunestream.schemas.CheckpointRetention;
import io.tunestream.schemas.EarlyStopping;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.Metric;
import io.tunestream.schemas.StoppingRule;
import io.tunestream.schemas.SweepSchedule;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * How a sweep's runs are scheduled: the {@code schedule:} section of a sweep file. Every part is optional.
 *
 * <pre>
 * schedule:
 *   maxConcurrent: 2          # at most 2 runs of the sweep at once
 *   maxTotalSteps: 20000      # budget: steps of all its runs together
 *   maxWallSeconds: 7200      # budget: seconds from its first dispatch
 *   maxAttempts: 3            # attempts a run may lose to infrastructure
 *   retryBackoffSeconds: 30   # doubling with each failed attempt
 *   earlyStopping:
 *     rule: asha              # or median
 *     metric: primary         # each task's primary metric (default), loss, or a metric by name
 *     minSteps: 100           # first rung (asha); no stop before it (median)
 *     reductionFactor: 2      # asha: keep the top half at each rung
 *     minRuns: 3              # median: runs needed at a step before it stops anyone
 *   notify: https://hooks.example.com/tunestream   # POSTed to when a run fails for good or the sweep finishes
 *   keepCheckpoints: best     # of a finished run's checkpoints: all (default), best or none
 *   export: [hf, peft]        # published beside each finished run in the checkpoint store
 * </pre>
 */
public record Schedule(Integer maxConcurrent, Long maxTotalSteps, Long maxWallSeconds, int maxAttempts,
        double retryBackoffSeconds, EarlyStopping earlyStopping, URI webhook, CheckpointRetention keepCheckpoints,
        List<ExportFormat> exports) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** The early-stopping metric that means each run's own task's primary metric. */
    public static final String PRIMARY_METRIC = "primary";
    public static final double DEFAULT_BACKOFF_SECONDS = 30;

    private static final List<String> FIELDS = List.of("maxConcurrent", "maxTotalSteps", "maxWallSeconds", "maxAttempts",
            "retryBackoffSeconds", "earlyStopping", "notify", "keepCheckpoints", "export");
    private static final List<String> STOPPING_FIELDS = List.of("rule", "metric", "minSteps", "reductionFactor", "minRuns");

    public static Schedule none() {
        return new Schedule(null, null, null, DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_SECONDS, null, null, CheckpointRetention.ALL,
                List.of());
    }

    /** The section as read from a sweep file, checked; a missing node is {@link #none()}. */
    static Schedule read(JsonNode node, java.util.function.Function<JsonNode, Object> plain) {
        if (node.isMissingNode() || node.isNull()) {
            return none();
        }
        if (!node.isObject()) {
            throw new InvalidSweepException("schedule must be a mapping; valid fields: " + String.join(", ", FIELDS));
        }
        checkNames(node, "schedule", FIELDS);
        Integer maxConcurrent = node.has("maxConcurrent")
                ? integer((plain.apply(node.get("maxConcurrent"))), "schedule.maxConcurrent", 1) : null;
        Long maxTotalSteps = node.has("maxTotalSteps")
                ? whole(plain.apply(node.get("maxTotalSteps")), "schedule.maxTotalSteps") : null;
        Long maxWallSeconds = node.has("maxWallSeconds")
                ? whole(plain.apply(node.get("maxWallSeconds")), "schedule.maxWallSeconds") : null;
        int maxAttempts = node.has("maxAttempts")
                ? integer((plain.apply(node.get("maxAttempts"))), "schedule.maxAttempts", 1)
                : DEFAULT_MAX_ATTEMPTS;
        double backoff = node.has("retryBackoffSeconds")
                ? nonNegative(plain.apply(node.get("retryBackoffSeconds")), "schedule.retryBackoffSeconds")
                : DEFAULT_BACKOFF_SECONDS;
        EarlyStopping stopping = node.has("earlyStopping") ? earlyStopping(node.get("earlyStopping"), plain) : null;
        URI webhook = node.has("notify") ? url(plain.apply(node.get("notify")), "schedule.notify") : null;
        CheckpointRetention keep = node.has("keepCheckpoints")
                ? retention(plain.apply(node.get("keepCheckpoints")), "schedule.keepCheckpoints") : CheckpointRetention.ALL;
        List<ExportFormat> exports = node.has("export") ? exports(node.get("export"), plain) : List.of();
        return new Schedule(maxConcurrent, maxTotalSteps, maxWallSeconds, maxAttempts, backoff, stopping, webhook, keep, exports);
    }

    /** A list of export formats, each once. */
    private static List<ExportFormat> exports(JsonNode node, java.util.function.Function<JsonNode, Object> plain) {
        String at = "schedule.export";
        List<String> valid = Arrays.stream(ExportFormat.values()).filter(f -> f != ExportFormat.unknown).map(Enum::name).toList();
        if (!node.isArray()) {
            throw new InvalidSweepException(at + " must be a list of formats, e.g. [hf, peft]; valid formats: " + String.join(", ", valid));
        }
        List<ExportFormat> formats = new ArrayList<>();
        for (JsonNode element : node) {
            String name = text(plain.apply(element), at);
            if (!valid.contains(name)) {
                throw new InvalidSweepException(at + ": unknown format '" + name + "'; valid formats: " + String.join(", ", valid));
            }
            if (formats.contains(ExportFormat.valueOf(name))) {
                throw new InvalidSweepException(at + " lists " + name + " twice");
            }
            formats.add(ExportFormat.valueOf(name));
        }
        return List.copyOf(formats);
    }

    private static CheckpointRetention retention(Object raw, String at) {
        String text = text(raw, at);
        return Arrays.stream(CheckpointRetention.values()).filter(r -> r.name().equalsIgnoreCase(text)).findFirst()
                .orElseThrow(() -> new InvalidSweepException(at + ": unknown value '" + text + "'; valid values: all, best, none"));
    }

    /** An absolute http or https URL. */
    static URI url(Object raw, String at) {
        String text = text(raw, at);
        try {
            URI uri = new URI(text);
            if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below, with what is valid
        }
        throw new InvalidSweepException(at + " must be an http or https URL (https://host/path), got '" + text + "'");
    }

    private static EarlyStopping earlyStopping(JsonNode node, java.util.function.Function<JsonNode, Object> plain) {
        String at = "schedule.earlyStopping";
        if (!node.isObject()) {
            throw new InvalidSweepException(at + " must be a mapping; valid fields: " + String.join(", ", STOPPING_FIELDS));
        }
        checkNames(node, at, STOPPING_FIELDS);
        if (!node.has("rule") || !node.has("minSteps")) {
            throw new InvalidSweepException(at + " needs rule (asha or median) and minSteps");
        }
        String ruleName = text(plain.apply(node.get("rule")), at + ".rule").toLowerCase(Locale.ROOT);
        StoppingRule rule = switch (ruleName) {
            case "asha" -> StoppingRule.ASHA;
            case "median" -> StoppingRule.MEDIAN;
            default -> throw new InvalidSweepException(at + ".rule: unknown rule '" + ruleName + "'; valid rules: asha, median");
        };
        String metric = node.has("metric") ? text(plain.apply(node.get("metric")), at + ".metric") : PRIMARY_METRIC;
        if (!metric.equals(PRIMARY_METRIC) && !metric.equals("loss") && Metric.find(metric).isEmpty()) {
            throw new InvalidSweepException(at + ".metric: unknown metric '" + metric + "'; valid metrics: " + PRIMARY_METRIC
                    + " (each task's own), loss, " + Metric.ids(List.of(Metric.values())));
        }
        long minSteps = integer((plain.apply(node.get("minSteps"))), at + ".minSteps", 1);
        int eta = node.has("reductionFactor")
                ? integer((plain.apply(node.get("reductionFactor"))), at + ".reductionFactor", 2) : 2;
        int minRuns = node.has("minRuns")
                ? integer((plain.apply(node.get("minRuns"))), at + ".minRuns", 1) : 3;
        return EarlyStopping.newBuilder().setRule(rule).setMetric(metric).setMinSteps(minSteps)
                .setReductionFactor(eta).setMinRuns(minRuns).build();
    }

    private static int integer(Object raw, String at, int minimum) {
        Object value = ExperimentField.numeric(raw);
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
            throw new InvalidSweepException(at + " must be a whole number, got " + ExperimentField.describe(value));
        }
        if (n.intValue() < minimum) {
            throw new InvalidSweepException(at + " must be at least " + minimum + ", got " + n.intValue());
        }
        return n.intValue();
    }

    private static double nonNegative(Object raw, String at) {
        Object value = ExperimentField.numeric(raw);
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
            throw new InvalidSweepException(at + " must be a non-negative number, got " + ExperimentField.describe(value));
        }
        return n.doubleValue();
    }

    private static String text(Object value, String at) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw new InvalidSweepException(at + " must be a non-empty string, got " + ExperimentField.describe(value));
        }
        return s.trim();
    }

    private static long whole(Object raw, String at) {
        Object value = ExperimentField.numeric(raw);
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
                || n.doubleValue() > Long.MAX_VALUE) {
            throw new InvalidSweepException(at + " must be a whole number of at least 1, got " + ExperimentField.describe(value));
        }
        return n.longValue();
    }

    private static void checkNames(JsonNode node, String at, List<String> valid) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!valid.contains(name)) {
                throw new InvalidSweepException(at + ": unknown field '" + name + "'; valid fields: " + String.join(", ", valid));
            }
        }
    }

    /** One line for people: what the schedule sets, defaults included. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("maxConcurrent=").append(maxConcurrent == null ? "unlimited" : maxConcurrent);
        if (maxTotalSteps != null) {
            text.append(" maxTotalSteps=").append(maxTotalSteps);
        }
        if (maxWallSeconds != null) {
            text.append(" maxWallSeconds=").append(maxWallSeconds);
        }
        text.append(" maxAttempts=").append(maxAttempts)
                .append(String.format(Locale.ROOT, " retryBackoffSeconds=%s", retryBackoffSeconds));
        if (earlyStopping != null) {
            text.append(" earlyStopping=").append(earlyStopping.getRule().name().toLowerCase(Locale.ROOT))
                    .append("(").append(earlyStopping.getMetric()).append(", minSteps ").append(earlyStopping.getMinSteps());
            text.append(earlyStopping.getRule() == StoppingRule.ASHA
                    ? ", reductionFactor " + earlyStopping.getReductionFactor() : ", minRuns " + earlyStopping.getMinRuns());
            text.append(")");
        }
        if (keepCheckpoints != CheckpointRetention.ALL) {
            text.append(" keepCheckpoints=").append(keepCheckpoints.name().toLowerCase(Locale.ROOT));
        }
        if (!exports.isEmpty()) {
            text.append(" export=").append(exports);
        }
        if (webhook != null) {
            // the host only: a webhook's path often carries its secret
            text.append(" notify=").append(webhook.getScheme()).append("://").append(webhook.getHost()).append("/...");
        }
        return text.toString();
    }

    /** The message the coordinator schedules the sweep by. */
    public SweepSchedule toMessage(String sweepId, Instant submittedAt) {
        return SweepSchedule.newBuilder().setSweepId(sweepId).setMaxConcurrent(maxConcurrent)
                .setMaxTotalSteps(maxTotalSteps).setMaxWallSeconds(maxWallSeconds)
                .setRetryBackoffSeconds(retryBackoffSeconds).setEarlyStopping(earlyStopping)
                .setNotifyUrl(webhook == null ? null : webhook.toString()).setSubmittedAt(submittedAt).build();
    }
}
