package io.tunestream.worker.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a named dataset's files. {@code glue-sst2} is looked up, in order, in the directory given on the command
 * line, in {@code $TUNESTREAM_DATA_DIR}, and in the user cache {@code ~/.cache/tunestream/datasets}; each may hold
 * {@code glue-sst2/train.tsv} and {@code glue-sst2/dev.tsv} (or the two files directly). {@code tunestream data fetch
 * glue-sst2} fills the cache from GLUE's public archive, md5-verified ({@link Sst2Download}).
 */
public final class DatasetCatalog {

    public static final String SST2 = "glue-sst2";
    public static final String ENVIRONMENT_VARIABLE = "TUNESTREAM_DATA_DIR";

    /** The two splits of a dataset. */
    public record Splits(Path train, Path dev) {}

    private final List<Path> searchPath;

    public DatasetCatalog(Optional<Path> dataDirectory) {
        List<Path> path = new ArrayList<>();
        dataDirectory.ifPresent(path::add);
        Optional.ofNullable(System.getenv(ENVIRONMENT_VARIABLE)).filter(s -> !s.isBlank()).map(Path::of).ifPresent(path::add);
        path.add(userCache());
        this.searchPath = List.copyOf(path);
    }

    /** The user cache that {@code tunestream data fetch} fills. */
    public static Path userCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "tunestream", "datasets");
    }

    public Splits resolve(String name) {
        String dataset = name.trim().toLowerCase(Locale.ROOT);
        if (!dataset.equals(SST2)) {
            throw new IllegalArgumentException("unknown dataset '" + name + "'; valid datasets: " + SST2
                    + " (or give labelled TSV files directly)");
        }
        for (Path directory : searchPath) {
            for (Path candidate : List.of(directory.resolve(SST2), directory)) {
                Path train = candidate.resolve("train.tsv");
                Path dev = candidate.resolve("dev.tsv");
                if (Files.isRegularFile(train) && Files.isRegularFile(dev)) {
                    return new Splits(train, dev);
                }
            }
        }
        throw new IllegalArgumentException("GLUE SST-2 not found: looked for glue-sst2/train.tsv and dev.tsv in "
                + searchPath + ". Put the files there, pass --data-dir DIR, set " + ENVIRONMENT_VARIABLE
                + ", or run 'tunestream data fetch glue-sst2' on a machine with network");
    }
}
