package io.tunestream.worker.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Finds a named dataset's files (docs/tasks.md, "Named datasets"). A name is looked up, in order, in the directory
 * given on the command line, in {@code $TUNESTREAM_DATA_DIR}, and in the user cache
 * {@code ~/.cache/tunestream/datasets}. In each, {@code NAME/} holds either a GLUE task's files in GLUE's layout
 * ({@code glue-sst2/train.tsv} and {@code dev.tsv}; {@code tunestream data fetch} fills the cache, md5-verified) or a
 * team's own dataset: {@code train.*}, {@code dev.*} (optionally {@code test.*}) and a {@code dataset.yaml} holding
 * its {@link DataLayout}. Requests name datasets, never paths: a name is one folder under a data directory.
 */
public final class DatasetCatalog {

    public static final String SST2 = GlueTask.SST2.datasetName();
    public static final String ENVIRONMENT_VARIABLE = "TUNESTREAM_DATA_DIR";
    public static final String LAYOUT_FILE = "dataset.yaml";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final List<String> EXTENSIONS = List.of("csv", "tsv", "jsonl");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * A dataset's files and how to read them.
     *
     * @param name the dataset's name
     * @param train the training split
     * @param dev the evaluation splits; the first decides the best checkpoint (MNLI has two)
     * @param layout how to read them
     */
    public record DatasetFiles(String name, Path train, List<Path> dev, DataLayout layout) {
        public DatasetFiles {
            dev = List.copyOf(dev);
        }
    }

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

    /** Every name this catalog can serve: GLUE's nine, and each folder with a {@code dataset.yaml}. */
    public List<String> names() {
        TreeSet<String> names = new TreeSet<>(GlueTask.names());
        for (Path directory : searchPath) {
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (NAME.matcher(name).matches() && Files.isRegularFile(entry.resolve(LAYOUT_FILE))) {
                        names.add(name);
                    }
                }
            } catch (IOException e) {
                // an unreadable data directory serves nothing; resolve() names it if asked for one of its datasets
            }
        }
        return List.copyOf(names);
    }

    /** Whether {@code name} is one this catalog knows (its files may still be missing). */
    public boolean knows(String name) {
        return names().contains(normalized(name));
    }

    public DatasetFiles resolve(String name) {
        String dataset = normalized(name);
        if (!NAME.matcher(dataset).matches() || !knows(dataset)) {
            throw new IllegalArgumentException("unknown dataset '" + name + "'; valid datasets: "
                    + String.join(", ", names()) + " (or give data files directly)");
        }
        for (Path directory : searchPath) {
            Path folder = directory.resolve(dataset);
            if (Files.isRegularFile(folder.resolve(LAYOUT_FILE))) {
                return custom(dataset, folder);
            }
            Optional<GlueTask> glue = GlueTask.byName(dataset);
            if (glue.isPresent()) {
                // SST-2 may also lie directly in a data directory, as it could before GLUE's other tasks arrived
                for (Path candidate : glue.get() == GlueTask.SST2 ? List.of(folder, directory) : List.of(folder)) {
                    Optional<DatasetFiles> files = glueFiles(glue.get(), candidate);
                    if (files.isPresent()) {
                        return files.get();
                    }
                }
            }
        }
        GlueTask glue = GlueTask.byName(dataset).orElseThrow();
        throw new IllegalArgumentException("GLUE " + glue.archiveDirectory() + " not found: looked for " + dataset + "/"
                + glue.trainFile() + " and " + String.join(", ", glue.devFiles()) + " in " + searchPath
                + ". Put the files there, pass --data-dir DIR, set " + ENVIRONMENT_VARIABLE + ", or run 'tunestream data"
                + " fetch " + dataset + "' on a machine with network");
    }

    private static Optional<DatasetFiles> glueFiles(GlueTask task, Path folder) {
        Path train = folder.resolve(task.trainFile());
        List<Path> dev = task.devFiles().stream().map(folder::resolve).toList();
        if (Files.isRegularFile(train) && dev.stream().allMatch(Files::isRegularFile)) {
            return Optional.of(new DatasetFiles(task.datasetName(), train, dev, task.layout()));
        }
        return Optional.empty();
    }

    private static DatasetFiles custom(String name, Path folder) {
        Path layoutFile = folder.resolve(LAYOUT_FILE);
        DataLayout layout;
        try {
            layout = YAML.readValue(layoutFile.toFile(), DataLayout.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(layoutFile + ": not a valid dataset layout: " + e.getMessage()
                    + " (fields: format, header, textColumns, labelColumn, task, labels, metric)");
        }
        if (layout == null) {
            throw new IllegalArgumentException(layoutFile + " is empty; it needs at least textColumns and labelColumn");
        }
        return new DatasetFiles(name, split(folder, "train"), List.of(split(folder, "dev")), layout);
    }

    private static Path split(Path folder, String split) {
        List<Path> found = EXTENSIONS.stream().map(e -> folder.resolve(split + "." + e)).filter(Files::isRegularFile).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException(folder + ": " + (found.isEmpty() ? "no " : "more than one ") + split
                    + " split; expected exactly one of " + EXTENSIONS.stream().map(e -> split + "." + e).toList());
        }
        return found.get(0);
    }

    private static String normalized(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }
}
