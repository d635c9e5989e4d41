package io.tunestream.worker.train;

/**
 * One evaluation on the dev set during training.
 *
 * @param step optimizer steps taken when it ran
 * @param epoch 0-based epoch
 * @param result accuracy, macro-F1, loss
 * @param best whether it is the best accuracy so far (its weights are kept as the best checkpoint)
 */
public record EvalMetrics(long step, int epoch, EvaluationResult result, boolean best) {}
