package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.queue.QueueMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A run that keeps losing its worker is given up once its lost attempts reach the request's maxAttempts, instead of
 * taking down worker after worker; a graceful hand-back is not a lost attempt. (The coordinator counts lost attempts
 * and fails such a run itself; this is the worker's own check, for a request that reaches it anyway.)
 */
class AttemptLimitTest {

    @Test
    @Timeout(120)
    void aRunWhoseLastAllowedAttemptWasLostFailsForTheInfrastructureWithoutTraining() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            // attempts 1 and 2 were lost (the coordinator counted them and queued the run again); only 2 are allowed
            kafka.publishStatus(RunStatus.newBuilder().setRunId("lost").setSweepId("test").setState(RunState.QUEUED)
                    .setAttempt(2).setFailedAttempts(2).setWorkerId("gone").setStep(5).setUpdatedAt(Instant.now()).build());
            ExperimentRequest request = KafkaFixture.request("lost", AdapterMethodId.lora, 20);
            request.setMaxAttempts(2);
            kafka.submit(request);
            // a queued run handed back gracefully twice still has all its attempts
            kafka.publishStatus(RunStatus.newBuilder().setRunId("handed").setSweepId("test").setState(RunState.QUEUED)
                    .setAttempt(2).setFailedAttempts(0).setStep(0).setUpdatedAt(Instant.now()).build());
            ExperimentRequest handed = KafkaFixture.request("handed", AdapterMethodId.lora, 4);
            handed.setMaxAttempts(1);
            kafka.submit(handed);
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));

            RunStatus failed = kafka.awaitState("lost", RunState.FAILED, Duration.ofSeconds(60));
            assertEquals(FailureKind.INFRASTRUCTURE, failed.getFailure().getKind());
            assertEquals(2, failed.getFailedAttempts());
            assertTrue(failed.getFailure().getMessage().startsWith("2 attempts lost to infrastructure (the last on worker gone);"
                    + " maxAttempts is 2"), failed.getFailure().getMessage());
            RunStatus succeeded = kafka.awaitState("handed", RunState.SUCCEEDED, Duration.ofSeconds(60));
            assertEquals(3, succeeded.getAttempt());
            assertEquals(0, kafka.metrics.messages(StepMetric.class).stream().filter(m -> m.getRunId().equals("lost")).count(),
                    "a given-up run trained");
        }
    }
}
