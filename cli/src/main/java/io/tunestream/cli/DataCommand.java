package io.tunestream.cli;

import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.Sst2Download;
import java.net.URI;
import java.nio.file.Path;
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

    /** {@code tunestream data fetch glue-sst2}: download, verify and cache. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download GLUE SST-2 from GLUE's public archive, verify its md5s and cache it (needs network).")
    static final class Fetch implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DATASET", description = "The dataset: glue-sst2.")
        String dataset;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Where to put it (default: the user cache, ~/.cache/tunestream/datasets).")
        Path dataDirectory;

        @Option(names = "--url", description = "Archive to fetch (default: GLUE's).")
        URI url = Sst2Download.GLUE_ARCHIVE;

        @Override
        public Integer call() {
            if (!dataset.trim().equals(DatasetCatalog.SST2)) {
                throw new IllegalArgumentException("unknown dataset '" + dataset + "'; valid datasets: " + DatasetCatalog.SST2);
            }
            Path target = dataDirectory != null ? dataDirectory : DatasetCatalog.userCache();
            Path directory = Sst2Download.fetch(url, target);
            spec.commandLine().getOut().println("GLUE SST-2 verified and stored in " + directory);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
