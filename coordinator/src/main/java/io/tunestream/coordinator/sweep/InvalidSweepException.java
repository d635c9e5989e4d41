package io.tunestream.coordinator.sweep;

/** A sweep file that cannot be planned; the message names the file's field at fault and what would be valid. */
public final class InvalidSweepException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidSweepException(String message) {
        super(message);
    }
}
