package io.tunestream.worker.service;

/**
 * A request that can never run, whichever worker takes it: it ends FAILED (kind BAD_REQUEST, never retried) and
 * goes to the dead-letter topic.
 */
public final class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field the request field at fault, in the request schema's dotted path ({@code adapter.rank}), or null
     *     when the record as a whole is at fault (undecodable)
     */
    public InvalidRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
