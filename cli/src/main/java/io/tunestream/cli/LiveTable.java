package io.tunestream.cli;

import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.RunStatus;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import io.tunestream.schemas.Scores;
import java.util.List;
import java.util.Locale;

/** A sweep's runs as a compact table: state, progress bar, loss, best primary metric, samples/s, ETA, worker. */
final class LiveTable {

    private static final int BAR = 20;

    private LiveTable() {}

    static String render(List<RunRecord> runs) {
        StringBuilder out = new StringBuilder();
        out.append(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT))).append('\n');
        out.append(String.format(Locale.ROOT, "%-32s %-10s %-" + (BAR + 2) + "s %11s %8s %9s %9s %8s  %s%n",
                "run", "state", "progress", "step", "loss", "best", "samples/s", "ETA", "worker"));
        for (RunRecord run : runs) {
            RunStatus status = run.status();
            long step = status == null ? 0 : status.getStep();
            long total = status == null ? 0 : status.getTotalSteps();
            int filled = total == 0 ? 0 : (int) Math.min(BAR, BAR * step / total);
            String activity = activity(run);
            out.append(String.format(Locale.ROOT, "%-32s %-10s %-" + (BAR + 2) + "s %11s %8s %9s %9s %8s  %s%n",
                    run.runId(), run.state(), activity != null ? activity : "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]",
                    activity != null ? "-" : step + "/" + total,
                    run.latestStep() == null ? "-" : String.format(Locale.ROOT, "%.4f", run.latestStep().getLoss()),
                    Scores.format(run.metric(), run.bestScore()),
                    run.latestStep() == null ? "-" : String.format(Locale.ROOT, "%.1f", run.latestStep().getSamplesPerSecond()),
                    eta(run, step, total),
                    status == null || status.getWorkerId() == null ? "-" : status.getWorkerId()));
        }
        return out.toString();
    }

    /**
     * What a run that has no steps to show is doing: waiting for a worker, or (claimed, not yet training) loading its
     * model and data, which takes a while for a real model; null once it trains or has ended.
     */
    static String activity(RunRecord run) {
        boolean training = run.status() != null && run.status().getTotalSteps() > 0;
        return switch (run.state()) {
            case QUEUED -> training ? "queued again" : "waiting for a worker";
            case STARTING -> training ? "loading model to resume" : "loading model and data";
            default -> null;
        };
    }

    /** Remaining steps at the latest step's pace (evaluations not counted); "-" when not training. */
    private static String eta(RunRecord run, long step, long total) {
        if (run.state() != io.tunestream.schemas.RunState.RUNNING || run.latestStep() == null || total <= step) {
            return "-";
        }
        long seconds = Math.round((total - step) * run.latestStep().getStepMillis() / 1000);
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
