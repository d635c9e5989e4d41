package io.tunestream.schemas;

/** Bytes that are not a message of ours: not single-object encoded, an unknown schema, or a corrupt body. */
public final class MessageFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MessageFormatException(String message) {
        super(message);
    }

    public MessageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
