package io.tunestream.worker.data;

/** One classification example: a sentence and its 0/1 label. */
public record LabelledSentence(String sentence, int label) {

    public LabelledSentence {
        if (sentence == null) {
            throw new IllegalArgumentException("sentence must not be null");
        }
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0 or 1, got " + label);
        }
    }
}
