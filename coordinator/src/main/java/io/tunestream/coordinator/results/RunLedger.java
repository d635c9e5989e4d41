package io.tunestream.coordinator.results;

import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Scores;
import io.tunestream.schemas.StepMetric;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Every run's record, built from the requests, status and metrics topics in the order they were read. Metrics of
 * an earlier attempt are superseded by a later attempt's (a resumed run repeats the steps after its checkpoint).
 */
public final class RunLedger {

    private final Map<String, ExperimentRequest> requests = new LinkedHashMap<>();
    private final Map<String, RunStatus> statuses = new LinkedHashMap<>();
    private final Map<String, EvalMetric> bestEvaluations = new LinkedHashMap<>();
    private final Map<String, StepMetric> latestSteps = new LinkedHashMap<>();

    public void apply(SpecificRecordBase message) {
        if (message instanceof ExperimentRequest r) {
            if (RequestLimits.checkRunId(r.getRunId()).isEmpty()) {
                requests.put(r.getRunId(), r);
            }
        } else if (message instanceof RunStatus s) {
            // a stale attempt's record, or one after the run ended, does not change it
            statuses.merge(s.getRunId(), s, (current, next) -> RunStates.replaces(current, next) ? next : current);
        } else if (message instanceof EvalMetric e) {
            EvalMetric best = bestEvaluations.get(e.getRunId());
            if (best == null || Scores.primary(e) > Scores.primary(best)) {
                bestEvaluations.put(e.getRunId(), e);
            }
        } else if (message instanceof StepMetric m) {
            StepMetric latest = latestSteps.get(m.getRunId());
            if (latest == null || m.getAttempt() > latest.getAttempt()
                    || (m.getAttempt() == latest.getAttempt() && m.getStep() >= latest.getStep())) {
                latestSteps.put(m.getRunId(), m);
            }
        }
    }

    public static RunLedger of(List<SpecificRecordBase> messages) {
        RunLedger ledger = new RunLedger();
        messages.forEach(ledger::apply);
        return ledger;
    }

    /**
     * The runs of {@code sweepId} (every run when it is null), by submission time then run id: the same order
     * whatever order the topics' partitions were read in.
     */
    public List<RunRecord> runs(String sweepId) {
        List<String> ids = new ArrayList<>(requests.keySet());
        statuses.keySet().stream().filter(id -> !requests.containsKey(id)).forEach(ids::add);
        return ids.stream().map(this::run).filter(r -> sweepId == null || r.sweepId().equals(sweepId))
                .sorted(Comparator.comparing((RunRecord r) -> r.request() == null ? Instant.MAX : r.request().getSubmittedAt())
                        .thenComparing(RunRecord::runId))
                .toList();
    }

    public RunRecord run(String runId) {
        return new RunRecord(runId, requests.get(runId), statuses.get(runId), bestEvaluations.get(runId), latestSteps.get(runId));
    }

    /**
     * Runs grouped by dataset (each task has its own metric: scores of two datasets do not compare), then by best
     * primary metric, highest first; runs without one last.
     */
    public static List<RunRecord> byBestScore(List<RunRecord> runs) {
        return runs.stream().sorted(Comparator.comparing(RunRecord::dataset).thenComparing(Comparator.comparingDouble(
                (RunRecord r) -> Double.isNaN(r.bestScore()) ? Double.NEGATIVE_INFINITY : r.bestScore()).reversed())).toList();
    }
}
