package io.tunestream.worker.train;

import io.tunestream.worker.run.Lineage;

/** Receives a run's progress: the CLI draws a progress bar from it, the run directory logs it, the worker streams it. */
public interface TrainingListener {

    /**
     * The experiment is resolved (every default filled in) and its model and data are ready, from the sources
     * {@code lineage} names; training comes next.
     */
    default void onPrepared(TrainingConfig config, Lineage lineage) {}

    default void onStart(long startStep, long totalSteps, int trainExamples) {}

    default void onStep(StepMetrics metrics) {}

    default void onEvaluation(EvalMetrics metrics) {}

    /** The checkpoint after {@code step} is written and committed to the store. */
    default void onCheckpoint(long step) {}

    /**
     * The checkpoint after {@code step} is written but the store did not take it ({@code reason}); it keeps the one
     * before, and training goes on.
     */
    default void onCheckpointNotCommitted(long step, String reason) {}

    /** The run's artifact {@code kind} (an export: hf, peft) is published at {@code location}. */
    default void onArtifact(String kind, String location) {}

    /** The run's artifact {@code kind} could not be published ({@code reason}); the run's result stands. */
    default void onArtifactNotPublished(String kind, String reason) {}

    /**
     * Step {@code step} ran out of device memory with micro-batches of {@code from} examples and is retried with
     * {@code to} (twice as many micro-batches per step); {@code reason} is the engine's message.
     */
    default void onMicroBatch(long step, int from, int to, String reason) {}

    /** Combines listeners; each sees every event in order. */
    static TrainingListener all(TrainingListener... listeners) {
        return new TrainingListener() {
            @Override
            public void onPrepared(TrainingConfig config, Lineage lineage) {
                for (TrainingListener l : listeners) {
                    l.onPrepared(config, lineage);
                }
            }

            @Override
            public void onStart(long startStep, long totalSteps, int trainExamples) {
                for (TrainingListener l : listeners) {
                    l.onStart(startStep, totalSteps, trainExamples);
                }
            }

            @Override
            public void onStep(StepMetrics metrics) {
                for (TrainingListener l : listeners) {
                    l.onStep(metrics);
                }
            }

            @Override
            public void onEvaluation(EvalMetrics metrics) {
                for (TrainingListener l : listeners) {
                    l.onEvaluation(metrics);
                }
            }

            @Override
            public void onCheckpoint(long step) {
                for (TrainingListener l : listeners) {
                    l.onCheckpoint(step);
                }
            }

            @Override
            public void onCheckpointNotCommitted(long step, String reason) {
                for (TrainingListener l : listeners) {
                    l.onCheckpointNotCommitted(step, reason);
                }
            }

            @Override
            public void onArtifact(String kind, String location) {
                for (TrainingListener l : listeners) {
                    l.onArtifact(kind, location);
                }
            }

            @Override
            public void onArtifactNotPublished(String kind, String reason) {
                for (TrainingListener l : listeners) {
                    l.onArtifactNotPublished(kind, reason);
                }
            }

            @Override
            public void onMicroBatch(long step, int from, int to, String reason) {
                for (TrainingListener l : listeners) {
                    l.onMicroBatch(step, from, to, reason);
                }
            }
        };
    }
}
