package io.tunestream.coordinator.service;

import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.StepMetric;
import io.tunestream.schemas.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The coordinator's view of everything, built only from Kafka (so a restarted coordinator rebuilds it by reading
 * the topics again): every run's record, each run's metric series, and the workers' latest heartbeats.
 */
public final class CoordinatorState {

    /** One point of a run's learning curve. */
    public record Point(long step, int attempt, double value) {}

    private final RunLedger ledger = new RunLedger();
    private final Map<String, Map<Long, Point>> losses = new HashMap<>();
    private final Map<String, Map<Long, Point>> accuracies = new HashMap<>();
    private final Map<String, WorkerHeartbeat> heartbeats = new LinkedHashMap<>();

    public synchronized void apply(SpecificRecordBase message) {
        ledger.apply(message);
        if (message instanceof StepMetric m) {
            keepLatestAttempt(losses, m.getRunId(), new Point(m.getStep(), m.getAttempt(), m.getLoss()));
        } else if (message instanceof EvalMetric e) {
            keepLatestAttempt(accuracies, e.getRunId(), new Point(e.getStep(), e.getAttempt(), e.getAccuracy()));
        } else if (message instanceof WorkerHeartbeat h) {
            heartbeats.put(h.getWorkerId(), h);
        }
    }

    /** A resumed run repeats the steps after its checkpoint: the later attempt's point wins. */
    private static void keepLatestAttempt(Map<String, Map<Long, Point>> series, String runId, Point point) {
        series.computeIfAbsent(runId, id -> new java.util.TreeMap<>()).merge(point.step(), point,
                (old, fresh) -> fresh.attempt() >= old.attempt() ? fresh : old);
    }

    public synchronized List<RunRecord> runs(String sweepId) {
        return ledger.runs(sweepId);
    }

    public synchronized RunRecord run(String runId) {
        return ledger.run(runId);
    }

    public synchronized List<Point> losses(String runId) {
        return new ArrayList<>(losses.getOrDefault(runId, Map.of()).values());
    }

    public synchronized List<Point> accuracies(String runId) {
        return new ArrayList<>(accuracies.getOrDefault(runId, Map.of()).values());
    }

    /** Workers whose last heartbeat is younger than three of their intervals. */
    public synchronized List<WorkerHeartbeat> liveWorkers(Instant now) {
        return heartbeats.values().stream().filter(h -> Duration.between(h.getTimestamp(), now)
                .compareTo(Duration.ofMillis(3 * h.getIntervalMillis())) <= 0).toList();
    }
}
