package io.tunestream.worker.data;

/**
 * One labelled example: a text, or a pair of texts, and its label.
 *
 * @param text the (first) text
 * @param pair the second text of a sentence pair, or null for single-text tasks
 * @param label the label's id (its position in the task's label order) for classification; the target for regression
 */
public record Example(String text, String pair, double label) {

    public Example {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
    }

    public static Example single(String text, int label) {
        return new Example(text, null, label);
    }
}
