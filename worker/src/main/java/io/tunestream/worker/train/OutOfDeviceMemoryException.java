package io.tunestream.worker.train;

/**
 * A step that does not fit in device memory even one example at a time: the run cannot go on with its settings
 * (a smaller model, a shorter maxLength or a larger device would), so the scheduler does not retry it as it is.
 */
public final class OutOfDeviceMemoryException extends RuntimeException {

    public OutOfDeviceMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
