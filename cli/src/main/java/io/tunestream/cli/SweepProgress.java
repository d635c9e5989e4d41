package io.tunestream.cli;

import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.Scores;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep's runs shown while they train, as fits where the output goes: on a terminal, one table redrawn in place;
 * otherwise (a file, a pipe, CI) a log with a line per run whenever its state or best score changes, so that the
 * output reads top to bottom without repeated tables.
 */
abstract class SweepProgress {

    /** Shows the runs as they are now. */
    abstract void update(List<RunRecord> runs);

    /** Whether standard output is a terminal that can redraw: a console, and not a dumb one. */
    static boolean terminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    static SweepProgress to(PrintWriter out, boolean terminal) {
        return terminal ? new Redrawn(out) : new Logged(out);
    }

    /**
     * The table, redrawn over itself: the cursor goes back up over the lines drawn last, which are cleared. Lines are
     * drawn with the terminal's automatic wrap off, so that a line wider than the terminal is cut at its edge rather
     * than taking two rows, and the lines to go back over are the lines drawn.
     */
    static final class Redrawn extends SweepProgress {

        /** ANSI: the cursor up {@code n} lines to their start ("CPL"), then clear to the end of the screen ("ED"). */
        static final String BACK_UP = "\u001b[%dF\u001b[J";
        /** DEC private mode 7, autowrap: off while the table is drawn, on again after. */
        static final String WRAP_OFF = "\u001b[?7l";
        static final String WRAP_ON = "\u001b[?7h";

        private final PrintWriter out;
        private long linesDrawn;

        Redrawn(PrintWriter out) {
            this.out = out;
        }

        @Override
        void update(List<RunRecord> runs) {
            String table = LiveTable.render(runs);
            if (linesDrawn > 0) {
                out.printf(Locale.ROOT, BACK_UP, linesDrawn);
            }
            out.print(WRAP_OFF + table + WRAP_ON);
            out.flush();
            linesDrawn = table.lines().count();
        }
    }

    /** A line per run when its state or best score changes. */
    static final class Logged extends SweepProgress {

        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

        private final PrintWriter out;
        private final Map<String, String> shown = new HashMap<>();

        Logged(PrintWriter out) {
            this.out = out;
        }

        @Override
        void update(List<RunRecord> runs) {
            String now = LocalTime.now().format(TIME);
            for (RunRecord run : runs) {
                String seen = run.state() + " " + run.bestScore();
                if (!seen.equals(shown.put(run.runId(), seen))) {
                    out.printf(Locale.ROOT, "%s  %-32s %s%n", now, run.runId(), describe(run));
                }
            }
            out.flush();
        }

        private static String describe(RunRecord run) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s", run.state()));
            String activity = LiveTable.activity(run);
            if (activity != null) {
                line.append(' ').append(activity);
            } else if (run.status() != null) {
                line.append(String.format(Locale.ROOT, " step %d/%d", run.status().getStep(), run.status().getTotalSteps()));
            }
            if (run.latestStep() != null) {
                line.append(String.format(Locale.ROOT, "  loss %.4f", run.latestStep().getLoss()));
            }
            if (!Double.isNaN(run.bestScore())) {
                line.append("  best ").append(run.metric()).append(' ').append(Scores.format(run.metric(), run.bestScore()));
            }
            if (run.status() != null && run.status().getWorkerId() != null) {
                line.append("  on ").append(run.status().getWorkerId());
            }
            return line.toString();
        }
    }
}
