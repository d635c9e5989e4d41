package io.tunestream.schemas;

/**
 * Kafka did not answer in time: a broker that accepts connections but does not serve, a network that drops the
 * answers, a security setting that does not match. Not a bug of the caller: the message names what was asked and how
 * long it waited, for the person who runs the command.
 */
public final class KafkaUnavailableException extends IllegalStateException {

    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
