package io.tunestream.cli;

import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.worker.service.KafkaFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A coordinator over a {@link KafkaFixture}'s broker, with timeouts short enough for tests, and submission through it. */
final class Coordination {

    private Coordination() {}

    /** A coordinator that counts a dispatch lost after {@code startTimeout} and a silent attempt after {@code workerTimeout}. */
    static Coordinator start(KafkaFixture kafka, Duration startTimeout, Duration workerTimeout) throws InterruptedException {
        Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics,
                Coordinator.Settings.defaults().withTimeouts(startTimeout, workerTimeout));
        if (!coordinator.awaitCaughtUp(Duration.ofSeconds(30))) {
            coordinator.close();
            throw new AssertionError("the coordinator did not catch up within 30 s");
        }
        return coordinator;
    }

    /** Submits {@code requests} as the CLI's submit does: the sweep's schedule, each run's QUEUED status and submission. */
    static void submit(KafkaFixture kafka, ExperimentRequest... requests) {
        String sweep = requests[0].getSweepId();
        SweepSchedule schedule = SweepSchedule.newBuilder().setSweepId(sweep).setRetryBackoffSeconds(1).setSubmittedAt(Instant.now()).build();
        List<PlannedRun> runs = Arrays.stream(requests).map(r -> new PlannedRun(r.getRunId(), Map.of(), r)).toList();
        new SweepSubmitter(kafka.clientProperties(), kafka.topics, Duration.ofSeconds(30)).submit(schedule, runs);
    }
}
