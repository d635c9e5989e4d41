package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.tunestream.worker.run.Lineage;

/**
 * The outcome of a run, written as {@code summary.json} and reported by the CLI and the worker.
 *
 * @param model model reference
 * @param method method id
 * @param outcome {@code completed} or {@code stopped} (stopped on request; resumable from its checkpoint)
 * @param steps optimizer steps taken
 * @param finalEvaluation dev metrics at the last step
 * @param metric the task's primary metric
 * @param bestScore best value of the primary metric over the run's evaluations
 * @param bestStep step of the best evaluation
 * @param adapterParameters trainable parameters outside the head
 * @param headParameters trainable parameters of the head
 * @param totalParameters all parameters of the model
 * @param wallSeconds training and evaluation time, across resumed attempts
 * @param samplesPerSecond training examples per second of training-step time
 * @param trainExamples training examples per epoch
 * @param lineage where the result came from (the attempt that wrote the summary); null in summaries from before it
 * @param experiment the resolved experiment the run trained (its config.json); null in summaries from before it
 */
public record TrainingSummary(
        String model,
        String method,
        String outcome,
        long steps,
        EvaluationResult finalEvaluation,
        String metric,
        @JsonAlias("bestAccuracy") double bestScore,
        long bestStep,
        long adapterParameters,
        long headParameters,
        long totalParameters,
        double wallSeconds,
        double samplesPerSecond,
        int trainExamples,
        @JsonInclude(JsonInclude.Include.NON_NULL) Lineage lineage,
        @JsonInclude(JsonInclude.Include.NON_NULL) TrainingConfig experiment) {

    /** This summary, recording {@code where} it came from and the resolved {@code config} it trained. */
    public TrainingSummary withLineage(Lineage where, TrainingConfig config) {
        return new TrainingSummary(model, method, outcome, steps, finalEvaluation, metric, bestScore, bestStep,
                adapterParameters, headParameters, totalParameters, wallSeconds, samplesPerSecond, trainExamples, where, config);
    }
}
