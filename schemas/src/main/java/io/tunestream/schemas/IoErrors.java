package io.tunestream.schemas;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Why an input or output failed, in words for the person who gave the path: Java's file exceptions carry the reason in
 * their type and often only the path in their message ({@code NoSuchFileException: /proc/x}), so printing the message
 * says nothing and printing the exception shows Java internals.
 */
public final class IoErrors {

    private IoErrors() {}

    /**
     * The reason {@code failure} happened at {@code path}, naming the file it concerns when that is another one (a
     * parent folder that is a file, say): {@code no such file or directory}, {@code permission denied},
     * {@code /tmp/a is a file, not a directory}.
     */
    public static String reason(Path path, Throwable failure) {
        Throwable e = failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure;
        String reason = describe(e);
        if (e instanceof FileSystemException fs && fs.getFile() != null && path != null
                && !Path.of(fs.getFile()).toAbsolutePath().equals(path.toAbsolutePath())) {
            return reason + " (" + fs.getFile() + ")";
        }
        return reason;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            return "it exists and is not a directory";
        } else if (e instanceof NotDirectoryException) {
            return "not a directory";
        } else if (e instanceof DirectoryNotEmptyException) {
            return "the directory is not empty";
        } else if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(Locale.ROOT);
        } else if (e instanceof CharacterCodingException) {
            return "not UTF-8 text (a binary file, or another encoding)";
        } else if (e instanceof UnknownHostException) {
            return "cannot resolve the host " + message + " (no network, or no DNS)";
        } else if (e instanceof ConnectException) {
            return message == null ? "cannot connect" : message.toLowerCase(Locale.ROOT);
        } else if (e instanceof HttpTimeoutException) {
            return "timed out";
        } else if (e instanceof FileNotFoundException && message != null && message.endsWith(")")) {
            // "/proc/z.json (No such file or directory)": the reason is in parentheses
            return message.substring(message.lastIndexOf('(') + 1, message.length() - 1).toLowerCase(Locale.ROOT);
        }
        return message == null || message.isBlank() ? "an input/output error" : message;
    }
}
