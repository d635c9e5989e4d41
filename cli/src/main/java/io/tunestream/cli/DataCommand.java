package io.tunestream.cli;

import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.GlueDownload;
import io.tunestream.worker.data.GlueTask;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream data}: dataset management. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Dataset management.",
        subcommands = DataCommand.Fetch.class)
final class DataCommand {

    /** {@code tunestream data fetch glue-TASK}: download, verify and cache. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a GLUE task from GLUE's public files, verify their sizes and checksums, and cache it (needs network).")
    static final class Fetch implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DATASET", description = "glue-cola, glue-sst2, glue-mrpc, glue-qqp, glue-stsb, glue-mnli, glue-qnli, glue-rte or glue-wnli.")
        String dataset;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Where to put it (default: the user cache, ~/.cache/tunestream/datasets).")
        Path dataDirectory;

        @Option(names = "--url", description = "A mirror serving the same archive (one-file tasks only): it must match the recorded size and SHA-256.")
        URI url;

        @Override
        public Integer call() {
            GlueTask task = GlueTask.byName(dataset).orElseThrow(() -> new IllegalArgumentException("unknown dataset '"
                    + dataset + "'; valid datasets: " + String.join(", ", GlueTask.names())));
            List<GlueDownload.Source> sources = GlueDownload.SOURCES.get(task);
            if (url != null) {
                if (sources.size() != 1) {
                    throw new IllegalArgumentException(dataset + " is built from " + sources.size() + " files; --url names one");
                }
                sources = List.of(new GlueDownload.Source(url, sources.get(0).bytes(), sources.get(0).sha256()));
            }
            Path target = dataDirectory != null ? dataDirectory : DatasetCatalog.userCache();
            Path directory = GlueDownload.fetch(task, sources, target);
            spec.commandLine().getOut().println("GLUE " + task.archiveDirectory() + " verified and stored in " + directory);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
