package io.tunestream.schemas;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The bounds every {@link ExperimentRequest} must keep before anyone acts on it: the CLI before it submits, the
 * coordinator before it queues, the worker before any work. They keep a request's identity usable as a directory
 * and record key, and keep every record derived from it (statuses, dead letters) far below the broker's message
 * limit (1 MiB by default). Checks that need a model or dataset are the worker's.
 */
public final class RequestLimits {

    /** Run ids become directory names in the checkpoint store: no separators, no dot-dot. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    public static final Pattern SWEEP_ID = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,127})?");
    public static final int MAX_MODEL_CHARS = 512;
    public static final int MAX_DATASET_CHARS = 128;
    public static final int MAX_TARGETS = 16;
    public static final int MAX_TARGET_CHARS = 64;
    public static final int MAX_TAIL_MODE_CHARS = 32;
    /** A whole request record; the largest valid one is about 1.5 KiB. */
    public static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** Reasons and failure messages on statuses and dead-letter headers. */
    public static final int MAX_MESSAGE_CHARS = 1024;
    /** How much of a bad value a message quotes. */
    private static final int QUOTED_CHARS = 64;

    private RequestLimits() {}

    /** What is wrong with a request: the field at fault (null: the record as a whole) and one sentence saying why. */
    public record Violation(String field, String message) {}

    /** The first bound {@code request} breaks, if any. */
    public static Optional<Violation> check(ExperimentRequest request) {
        Optional<Violation> runId = checkRunId(request.getRunId());
        if (runId.isPresent()) {
            return runId;
        }
        if (request.getSweepId() == null || !SWEEP_ID.matcher(request.getSweepId()).matches()) {
            return violation("sweepId", "sweepId " + quote(request.getSweepId()) + " is not valid: use up to 128"
                    + " letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        Optional<Violation> bounded = length("model", request.getModel(), MAX_MODEL_CHARS)
                .or(() -> length("dataset", request.getDataset(), MAX_DATASET_CHARS))
                .or(() -> length("adapter.tailMode", request.getAdapter().getTailMode(), MAX_TAIL_MODE_CHARS));
        if (bounded.isPresent()) {
            return bounded;
        }
        List<String> targets = request.getAdapter().getTargets();
        if (targets != null) {
            if (targets.size() > MAX_TARGETS) {
                return violation("adapter.targets", "adapter.targets names " + targets.size()
                        + " projections; at most " + MAX_TARGETS + " are allowed");
            }
            for (String target : targets) {
                Optional<Violation> tooLong = length("adapter.targets", target, MAX_TARGET_CHARS);
                if (tooLong.isPresent()) {
                    return tooLong;
                }
            }
        }
        if (request.getMaxAttempts() < 1) {
            return violation("maxAttempts", "maxAttempts must be at least 1, got " + request.getMaxAttempts());
        }
        if (request.getAttempt() < 0) {
            return violation("attempt", "attempt must not be negative, got " + request.getAttempt());
        }
        return Optional.empty();
    }

    /** Whether {@code runId} can name a run: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
    public static Optional<Violation> checkRunId(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            return violation("runId", "runId " + quote(runId) + " is not valid: use 1 to 128 letters, digits, '.',"
                    + " '_' or '-', starting with a letter or digit");
        }
        return Optional.empty();
    }

    /** Whether a record of {@code bytes} bytes can be a request at all. */
    public static Optional<Violation> checkSize(int bytes) {
        if (bytes > MAX_REQUEST_BYTES) {
            return violation(null, "the request is " + bytes + " bytes; a request may be at most "
                    + MAX_REQUEST_BYTES + " bytes");
        }
        return Optional.empty();
    }

    /**
     * {@code value} quoted for a message, cut to its first 64 characters with its length said, so that a message about
     * a huge value stays small.
     */
    public static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        if (value.length() <= QUOTED_CHARS) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, QUOTED_CHARS) + "...' (" + value.length() + " characters)";
    }

    /** {@code message} cut to {@link #MAX_MESSAGE_CHARS}, for statuses and headers. */
    public static String bounded(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        String tail = "... (cut; " + message.length() + " characters)";
        return message.substring(0, MAX_MESSAGE_CHARS - tail.length()) + tail;
    }

    private static Optional<Violation> length(String field, String value, int max) {
        if (value != null && value.length() > max) {
            return violation(field, field + " " + quote(value) + " is too long: at most " + max + " characters");
        }
        return Optional.empty();
    }

    private static Optional<Violation> violation(String field, String message) {
        return Optional.of(new Violation(field, message));
    }
}
