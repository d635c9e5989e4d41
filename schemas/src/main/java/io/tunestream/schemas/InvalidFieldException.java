package io.tunestream.schemas;

/** A value an experiment field does not accept; {@link #field} names the field, as data, for whoever reports it. */
public final class InvalidFieldException extends IllegalArgumentException {

    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field's name ({@code rank}, {@code learningRate}). */
    public String field() {
        return field;
    }
}
