package io.tunestream.worker.run;

/** An attempt found that a newer attempt owns its run: it stops, writing nothing more. */
public final class SupersededException extends RuntimeException {

    public SupersededException(String message) {
        super(message);
    }
}
