package io.tunestream.worker.store;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The store did not take or give a file within the patience allowed, or refused it for good (a missing bucket,
 * credentials it does not accept). What was committed before is intact.
 */
public final class StoreUnavailableException extends UncheckedIOException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause));
    }
}
