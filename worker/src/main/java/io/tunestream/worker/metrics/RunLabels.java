package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.Tags;
import io.tunestream.schemas.ExperimentRequest;

/**
 * The labels of one run's series: which run, in which sweep, with which method, model and rank, on which dataset. The rank is the
 * request's, or {@code default} when the request leaves it to the method; the coordinator labels its own per-run
 * series the same way, so that worker and coordinator series of a run join on these labels.
 */
public record RunLabels(String run, String sweep, String method, String model, String rank, String dataset) {

    public RunLabels {
        if (run == null || run.isBlank()) {
            throw new IllegalArgumentException("a run's series need its run id, got '" + run + "'");
        }
    }

    public static RunLabels of(ExperimentRequest request) {
        Integer rank = request.getAdapter() == null ? null : request.getAdapter().getRank();
        return new RunLabels(request.getRunId(), request.getSweepId(), request.getMethod().name(),
                request.getModel(), rank == null ? "default" : rank.toString(), request.getDataset());
    }

    Tags tags(String workerId) {
        return Tags.of("run", run, "sweep", sweep, "method", method, "model", model, "rank", rank, "dataset", dataset,
                "worker", workerId);
    }
}
