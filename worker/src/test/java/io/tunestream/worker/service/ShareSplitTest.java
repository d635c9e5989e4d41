package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.worker.queue.QueueMode;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Share groups let more workers than partitions share one topic: the reason they are the default. */
class ShareSplitTest {

    @Test
    @Timeout(240)
    void twoWorkersOnOnePartitionSplitSixRuns() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            kafka.startWorker(kafka.workerConfig("w2", QueueMode.SHARE));
            for (int i = 0; i < 6; i++) {
                kafka.submit(KafkaFixture.request("split-" + i, AdapterMethodId.lora, 60));
            }
            for (int i = 0; i < 6; i++) {
                kafka.awaitState("split-" + i, RunState.SUCCEEDED, Duration.ofSeconds(200));
            }
            Map<String, Long> runsByWorker = kafka.latestStatuses().values().stream()
                    .collect(Collectors.groupingBy(RunStatus::getWorkerId, Collectors.counting()));
            assertEquals(6, runsByWorker.values().stream().mapToLong(Long::longValue).sum(), runsByWorker.toString());
            assertEquals(2, runsByWorker.size(), "one worker ran everything: " + runsByWorker);
            assertTrue(runsByWorker.values().stream().allMatch(n -> n >= 2), "an uneven split: " + runsByWorker);
            assertTrue(kafka.status.messages(RunStatus.class).stream().allMatch(s -> s.getAttempt() == 1), "a run was attempted twice");
        }
    }
}
