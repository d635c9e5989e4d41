package io.tunestream.cli;

import io.tunestream.schemas.IoErrors;
import io.tunestream.schemas.KafkaUnavailableException;
import io.tunestream.worker.train.OutOfDeviceMemoryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Maps failures to one clear line and an exit code, in one place: bad input (an invalid option value, a missing
 * file, an unknown model, a broker that does not answer) exits 2 with the message; anything else is a failure (exit 1)
 * told in words, with the stack trace under {@code TUNESTREAM_DEBUG=1}. No Java class name reaches the user: a file's
 * failure says why in words ({@link IoErrors}).
 */
final class ErrorHandler implements IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception exception, CommandLine command, ParseResult parseResult) {
        var err = command.getErr();
        Throwable cause = unwrap(exception);
        int code;
        if (cause instanceof IllegalArgumentException || cause instanceof UncheckedIOException) {
            err.println("error: " + cause.getMessage());
            code = BAD_INPUT;
        } else if (cause instanceof IOException io) {
            Path file = io instanceof FileSystemException fs && fs.getFile() != null ? Path.of(fs.getFile()) : null;
            err.println("error: " + (file == null ? "" : file + ": ") + IoErrors.reason(file, io));
            code = FAILURE;
        } else if (cause instanceof OutOfDeviceMemoryException) {
            err.println("error: " + cause.getMessage() + "; a shorter --max-length or a smaller model would fit");
            code = FAILURE;
        } else if (cause instanceof KafkaUnavailableException) {
            err.println("error: " + cause.getMessage());
            code = FAILURE;
        } else if (cause instanceof KafkaException) {
            err.println("error: Kafka: " + cause.getMessage());
            code = FAILURE;
        } else {
            err.println("error: " + (cause.getMessage() == null ? "an internal error" : cause.getMessage())
                    + " (an internal error: TUNESTREAM_DEBUG=1 prints where it happened)");
            code = FAILURE;
        }
        if (System.getenv("TUNESTREAM_DEBUG") != null) {
            exception.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The failure an executor or future wrapped. */
    private static Throwable unwrap(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
