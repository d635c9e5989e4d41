package io.tunestream.cli;

import io.tunestream.schemas.Scores;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A live progress line on stderr: step, loss, the primary metric's last dev value, samples/s and ETA. On a terminal it redraws one line;
 * otherwise (a log file, CI) it prints a line every 5% of the run and at each evaluation.
 */
final class ProgressBar implements TrainingListener {

    private static final int WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private long totalSteps;
    private long startStep;
    private long startedNanos;
    private double smoothedLoss = Double.NaN;
    private double smoothedSpeed = Double.NaN;
    private double lastScore = Double.NaN;
    private String metric = "dev";
    private long lastPrintedStep;

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onStart(long startStep, long totalSteps, int trainExamples) {
        this.startStep = startStep;
        this.totalSteps = totalSteps;
        this.startedNanos = System.nanoTime();
        out.printf(Locale.ROOT, "%s %d steps over %,d training examples%n",
                startStep > 0 ? "resuming at step " + startStep + " of" : "training:", totalSteps, trainExamples);
    }

    @Override
    public void onStep(StepMetrics m) {
        smoothedLoss = Double.isNaN(smoothedLoss) ? m.loss() : 0.9 * smoothedLoss + 0.1 * m.loss();
        smoothedSpeed = Double.isNaN(smoothedSpeed) ? m.samplesPerSecond() : 0.9 * smoothedSpeed + 0.1 * m.samplesPerSecond();
        long every = Math.max(1, totalSteps / 20);
        if (terminal) {
            out.print("\r" + line(m.step()));
            out.flush();
        } else if (m.step() - lastPrintedStep >= every || m.step() == totalSteps) {
            out.println(line(m.step()));
            lastPrintedStep = m.step();
        }
    }

    @Override
    public void onEvaluation(EvalMetrics m) {
        lastScore = m.result().score();
        metric = m.result().metric();
        String text = String.format(Locale.ROOT, "eval at step %d: %s  loss %.4f%s",
                m.step(), TrainCommand.metrics(m.result()), m.result().loss(), m.best() ? " (best)" : "");
        out.println(terminal ? "\r" + text + " ".repeat(20) : text);
    }

    @Override
    public void onMicroBatch(long step, int from, int to, String reason) {
        String text = String.format(Locale.ROOT, "step %d ran out of device memory with micro-batches of %d: going on with %d"
                + " (the same effective batch; %s)", step, from, to, reason);
        out.println(terminal ? "\r" + text : text);
    }

    private String line(long step) {
        double fraction = totalSteps == 0 ? 1 : (double) step / totalSteps;
        int filled = (int) Math.round(fraction * WIDTH);
        double elapsed = (System.nanoTime() - startedNanos) / 1e9;
        long done = step - startStep;
        double eta = done > 0 ? elapsed / done * (totalSteps - step) : Double.NaN;
        return String.format(Locale.ROOT, "[%s%s] %3.0f%% step %d/%d  loss %.4f  %s %s  %.0f samples/s  ETA %s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), 100 * fraction, step, totalSteps, smoothedLoss, metric,
                Scores.format(metric, lastScore),
                smoothedSpeed, duration(eta));
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
