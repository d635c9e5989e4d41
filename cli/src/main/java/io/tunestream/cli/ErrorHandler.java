package io.tunestream.cli;

import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Maps failures to one clear line and an exit code, in one place: bad input (an invalid option value, a missing
 * file, an unknown model) exits 2 with the message; anything else exits 1 with its type, so bugs stay visible.
 */
final class ErrorHandler implements IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception exception, CommandLine command, ParseResult parseResult) {
        var err = command.getErr();
        if (exception instanceof IllegalArgumentException || exception instanceof UncheckedIOException) {
            err.println("error: " + exception.getMessage());
            return BAD_INPUT;
        }
        err.println("error: " + exception);
        if (System.getenv("TUNESTREAM_DEBUG") != null) {
            exception.printStackTrace(err);
        }
        return FAILURE;
    }
}
