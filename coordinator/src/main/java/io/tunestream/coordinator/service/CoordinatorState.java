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
    private final Map<String, LearningCurve> losses = new HashMap<>();
    private final Map<String, LearningCurve> scores = new HashMap<>();
    private final Map<String, Deque<RunLog>> logs = new HashMap<>();

    /** Log lines kept per run: the latest ones; `tunestream logs` reads them all from Kafka. */
    public static final int LOG_LINES = 200;

    public synchronized void apply(SpecificRecordBase message) {
        ledger.apply(message);
        if (message instanceof StepMetric m) {
            losses.computeIfAbsent(m.getRunId(), id -> new LearningCurve()).add(new Point(m.getStep(), m.getAttempt(), m.getLoss()));
        } else if (message instanceof EvalMetric e) {
            scores.computeIfAbsent(e.getRunId(), id -> new LearningCurve()).add(new Point(e.getStep(), e.getAttempt(), Scores.primary(e)));
        } else if (message instanceof RunLog line) {
            Deque<RunLog> kept = logs.computeIfAbsent(line.getRunId(), id -> new ArrayDeque<>());
            kept.addLast(line);
            if (kept.size() > LOG_LINES) {
                kept.removeFirst();
            }
        }
    }

    public synchronized List<RunRecord> runs(String sweepId) {
        return ledger.runs(sweepId);
    }

    public synchronized RunRecord run(String runId) {
        return ledger.run(runId);
    }

    /** The run's training loss by step ({@link LearningCurve}: at most about 500 points, evenly spaced). */
    public synchronized List<Point> losses(String runId) {
        LearningCurve curve = losses.get(runId);
        return curve == null ? List.of() : curve.points();
    }

    /** The run's latest log lines, oldest first (at most {@link #LOG_LINES}). */
    public synchronized List<RunLog> logs(String runId) {
        return new ArrayList<>(logs.getOrDefault(runId, new ArrayDeque<>()));
    }

    /** The run's primary metric at each evaluation, the latest attempt's per step. */
    public synchronized List<Point> scores(String runId) {
        LearningCurve curve = scores.get(runId);
        return curve == null ? List.of() : curve.points();
    }
}
