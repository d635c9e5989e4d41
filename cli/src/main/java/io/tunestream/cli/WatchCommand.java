package io.tunestream.cli;

import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream watch}: a sweep's runs, refreshed from Kafka until every run has finished. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Show a sweep's runs live (state, progress, loss, best primary metric, samples/s, ETA, worker) until all have finished.")
final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SWEEP", description = "The sweep's name.")
    String sweep;

    @Option(names = "--refresh", defaultValue = "2", description = "Seconds between updates (default: ${DEFAULT-VALUE}).")
    int refreshSeconds;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws InterruptedException {
        SweepProgress progress = SweepProgress.to(spec.commandLine().getOut(), SweepProgress.terminal());
        while (true) {
            List<RunRecord> runs = RunLedger.of(TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(), KafkaOptions.TIMEOUT))
                    .runs(sweep);
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("no runs of sweep '" + sweep + "' on " + kafka.bootstrapServers);
            }
            progress.update(runs);
            if (runs.stream().allMatch(RunRecord::finished)) {
                return 0;
            }
            Thread.sleep(refreshSeconds * 1000L);
        }
    }
}
