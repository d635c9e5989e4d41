package io.tunestream.worker.data;

import io.tunestream.schemas.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Which data a run trained and evaluated on, for its lineage (docs/worker.md, "Lineage"): two runs of the same request
 * over different files, or over a file that changed in place, have different digests.
 *
 * @param name the named dataset, or {@code files} for a train and a dev file given directly
 * @param files the files read: the training split first, then the evaluation splits
 * @param sha256 SHA-256 over each file's role ({@code train}, {@code dev}), length and bytes, in that order; the
 *     paths do not enter it, so the same data in another place has the same digest
 */
public record DatasetIdentity(String name, List<String> files, String sha256) {

    public DatasetIdentity {
        files = List.copyOf(files);
    }

    /** The identity of a dataset read from {@code train} and {@code dev}. */
    public static DatasetIdentity of(String name, Path train, List<Path> dev) {
        MessageDigest sha = newSha256();
        List<String> files = new ArrayList<>();
        digest(sha, "train", train);
        files.add(train.toString());
        for (Path file : dev) {
            digest(sha, "dev", file);
            files.add(file.toString());
        }
        return new DatasetIdentity(name, files, HexFormat.of().formatHex(sha.digest()));
    }

    private static void digest(MessageDigest sha, String role, Path file) {
        try {
            sha.update(role.getBytes(StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(0, Files.size(file)));
            try (InputStream in = Files.newInputStream(file)) {
                byte[] chunk = new byte[1 << 16];
                for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                    sha.update(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + IoErrors.reason(file, e), e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
