package io.tunestream.coordinator.service;

import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.Scores;
import io.tunestream.schemas.StepMetric;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The coordinator's view of everything, built only from Kafka (so a restarted coordinator rebuilds it by reading
 * the topics again): every run's record and each run's metric series. Workers' liveness is the scheduler's
 * ({@link io.tunestream.coordinator.schedule.Scheduler#liveWorkers}).
 */
public final class CoordinatorState {

    /** One point of a run's learning curve. */
    public record Point(long step, int attempt, double value) {}

    private final RunLedger ledger = new RunLedger();
    private final Map<String, Map<Long, Point>> losses = new HashMap<>();
    private final Map<String, Map<Long, Point>> scores = new HashMap<>();
    private final Map<String, Deque<RunLog>> logs = new HashMap<>();

    /** Log lines kept per run: the latest ones; `tunestream logs` reads them all from Kafka. */
    public static final int LOG_LINES = 200;

    public synchronized void apply(SpecificRecordBase message) {
        ledger.apply(message);
        if (message instanceof StepMetric m) {
            keepLatestAttempt(losses, m.getRunId(), new Point(m.getStep(), m.getAttempt(), m.getLoss()));
        } else if (message instanceof EvalMetric e) {
            keepLatestAttempt(scores, e.getRunId(), new Point(e.getStep(), e.getAttempt(), Scores.primary(e)));
        } else if (message instanceof RunLog line) {
            Deque<RunLog> kept = logs.computeIfAbsent(line.getRunId(), id -> new ArrayDeque<>());
            kept.addLast(line);
            if (kept.size() > LOG_LINES) {
                kept.removeFirst();
            }
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

    /** The run's latest log lines, oldest first (at most {@link #LOG_LINES}). */
    public synchronized List<RunLog> logs(String runId) {
        return new ArrayList<>(logs.getOrDefault(runId, new ArrayDeque<>()));
    }

    /** The run's primary metric at each evaluation, the latest attempt's per step. */
    public synchronized List<Point> scores(String runId) {
        return new ArrayList<>(scores.getOrDefault(runId, Map.of()).values());
    }
}
