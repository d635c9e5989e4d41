package io.tunestream.worker.train;

/** Receives a run's progress: the CLI draws a progress bar from it, the run directory logs it, the worker streams it. */
public interface TrainingListener {

    /** The experiment is resolved (every default filled in) and its model and data are ready; training comes next. */
    default void onPrepared(TrainingConfig config) {}

    default void onStart(long startStep, long totalSteps, int trainExamples) {}

    default void onStep(StepMetrics metrics) {}

    default void onEvaluation(EvalMetrics metrics) {}

    default void onCheckpoint(long step) {}

    /**
     * Step {@code step} ran out of device memory with micro-batches of {@code from} examples and is retried with
     * {@code to} (twice as many micro-batches per step); {@code reason} is the engine's message.
     */
    default void onMicroBatch(long step, int from, int to, String reason) {}

    /** Combines listeners; each sees every event in order. */
    static TrainingListener all(TrainingListener... listeners) {
        return new TrainingListener() {
            @Override
            public void onPrepared(TrainingConfig config) {
                for (TrainingListener l : listeners) {
                    l.onPrepared(config);
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
            public void onMicroBatch(long step, int from, int to, String reason) {
                for (TrainingListener l : listeners) {
                    l.onMicroBatch(step, from, to, reason);
                }
            }
        };
    }
}
