package io.tunestream.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The one place that names every topic and says how each is configured. A prefix lets several deployments share a
 * cluster.
 *
 * <ul>
 *   <li>submissions: {@link ExperimentRequest}, key run id: every run submitted (and every retry or rerun asked
 *       for), waiting for the coordinator to dispatch it. One record per wanted dispatch, so not compacted.
 *   <li>sweeps: {@link SweepSchedule}, key sweep id, compacted: how the coordinator schedules each sweep.
 *   <li>requests: {@link ExperimentRequest}, key run id; published by the coordinator when it dispatches a run,
 *       consumed by workers through a share group (or a classic group on older brokers).
 *   <li>status: {@link RunStatus}, key run id, compacted: the last record per run is its state.
 *   <li>metrics: {@link StepMetric} and {@link EvalMetric}, key run id, so one run's metrics stay in order.
 *   <li>control: {@link ControlCommand}, key run id, compacted: a worker that starts later still sees a cancel.
 *   <li>dead-letter: the original bytes of a request that could not be run, with the reason in headers.
 *   <li>heartbeats: {@link WorkerHeartbeat}, key worker id, compacted.
 *   <li>logs: {@link RunLog}, key run id, so one run's lines stay in order; kept {@link #LOG_RETENTION}.
 * </ul>
 *
 * @param prefix prepended to every topic name, e.g. {@code tunestream.}
 */
public record Topics(String prefix) {

    public static final String DEFAULT_PREFIX = "tunestream.";

    /** How long runs' log lines are kept: long enough to read why a sweep's runs failed after a weekend. */
    public static final java.time.Duration LOG_RETENTION = java.time.Duration.ofDays(7);

    /** Header names on dead-letter records. */
    public static final String HEADER_ERROR = "tunestream.error";
    public static final String HEADER_FIELD = "tunestream.field";
    public static final String HEADER_SOURCE = "tunestream.source";
    /** On a dead letter whose record was cut short: the original record's size in bytes. */
    public static final String HEADER_ORIGINAL_BYTES = "tunestream.original-bytes";

    public Topics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("topic prefix may hold only letters, digits, '.', '_' and '-', got '" + prefix + "'");
        }
    }

    public static Topics defaults() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String submissions() {
        return prefix + "submissions";
    }

    public String sweeps() {
        return prefix + "sweeps";
    }

    public String requests() {
        return prefix + "requests";
    }

    public String status() {
        return prefix + "status";
    }

    public String metrics() {
        return prefix + "metrics";
    }

    public String control() {
        return prefix + "control";
    }

    public String deadLetter() {
        return prefix + "dead-letter";
    }

    public String heartbeats() {
        return prefix + "heartbeats";
    }

    public String logs() {
        return prefix + "logs";
    }

    public List<String> all() {
        return List.of(submissions(), sweeps(), requests(), status(), metrics(), control(), deadLetter(), heartbeats(), logs());
    }

    /** Every topic that says something about a run's settings, state or progress: what a reader of results needs. */
    public List<String> runHistory() {
        return List.of(submissions(), requests(), status(), metrics());
    }

    /**
     * The topics to create: {@code partitions} for submissions, status and metrics (parallelism), the compacted ones
     * with the same count so that keys spread, all with the cluster's default replication. The requests topic has
     * one partition: a share group gives every member a partition of its own while there are no more members than
     * partitions, so with several a request waits for its partition's member (or for the partition to move to an
     * idle one, seconds), while one partition is shared by every member and a request goes to whichever idle worker
     * polls first (docs/worker.md, "Why a busy worker leaves the group").
     */
    public List<NewTopic> definitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(submissions(), Optional.of(partitions), Optional.empty()));
        topics.add(new NewTopic(sweeps(), Optional.of(1), Optional.empty()).configs(compacted));
        topics.add(new NewTopic(requests(), Optional.of(1), Optional.empty()));
        topics.add(new NewTopic(status(), Optional.of(partitions), Optional.empty()).configs(compacted));
        topics.add(new NewTopic(metrics(), Optional.of(partitions), Optional.empty()));
        topics.add(new NewTopic(control(), Optional.of(1), Optional.empty()).configs(compacted));
        topics.add(new NewTopic(deadLetter(), Optional.of(1), Optional.empty()));
        topics.add(new NewTopic(heartbeats(), Optional.of(1), Optional.empty()).configs(compacted));
        topics.add(new NewTopic(logs(), Optional.of(partitions), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(LOG_RETENTION.toMillis()))));
        return topics;
    }

    /** Creates whichever of the topics are missing; existing ones are left as they are. */
    public void ensure(Admin admin, int partitions, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = definitions(partitions).stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaUnavailableException("Kafka did not answer within " + timeout.toSeconds() + " s while creating topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
