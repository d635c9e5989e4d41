package io.tunestream.worker.train;

import io.tunestream.worker.data.EncodedDataset;

/**
 * One evaluation split of a run, tokenized.
 *
 * @param name the split's name ({@code dev}, MNLI's {@code dev_matched})
 * @param data its examples
 */
public record EvaluationSet(String name, EncodedDataset data) {}
