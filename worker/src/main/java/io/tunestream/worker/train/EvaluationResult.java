package io.tunestream.worker.train;

/**
 * Classification quality on a labelled set.
 *
 * @param accuracy share of correct predictions
 * @param macroF1 mean of the F1 scores of both classes
 * @param loss mean cross-entropy
 * @param examples how many examples were evaluated
 */
public record EvaluationResult(double accuracy, double macroF1, double loss, int examples) {

    /** Accuracy, macro-F1 and mean loss from a confusion matrix {@code counts[label][prediction]}. */
    static EvaluationResult of(long[][] counts, double lossSum) {
        long total = 0;
        long correct = 0;
        double f1Sum = 0;
        for (int c = 0; c < counts.length; c++) {
            long truePositive = counts[c][c];
            long predicted = 0;
            long actual = 0;
            for (int other = 0; other < counts.length; other++) {
                predicted += counts[other][c];
                actual += counts[c][other];
                total += counts[c][other];
            }
            correct += truePositive;
            double precision = predicted == 0 ? 0 : (double) truePositive / predicted;
            double recall = actual == 0 ? 0 : (double) truePositive / actual;
            f1Sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }
        return new EvaluationResult(
                total == 0 ? 0 : (double) correct / total, f1Sum / counts.length, total == 0 ? 0 : lossSum / total, (int) total);
    }
}
