package io.tunestream.worker.train;

/**
 * One evaluation on the dev set during training.
 *
 * @param step optimizer steps taken when it ran
 * @param epoch 0-based epoch
 * @param result the task's metrics and the loss
 * @param best whether its primary metric is the best so far (its weights are kept as the best checkpoint)
 */
public record EvalMetrics(long step, int epoch, EvaluationResult result, boolean best) {}
