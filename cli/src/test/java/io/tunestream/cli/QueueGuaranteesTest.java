package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.schemas.WorkerHeartbeat;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The queue's guarantees (docs/worker.md, "Guarantees"), against an embedded broker with a coordinator and in-process
 * workers on the tiny model: every run ends once, no request waits behind a busy worker, a dispatch nobody takes is
 * not left in between, and bad records next to good sweeps change nothing and stop nothing.
 */
class QueueGuaranteesTest {

    /** A 2 s share lock: runs here last many lock durations. */
    private static final Map<String, String> TWO_SECOND_LOCK = Map.of(
            "group.share.record.lock.duration.ms", "2000", "group.share.min.record.lock.duration.ms", "1000");

    @Test
    @Timeout(300)
    void threeWorkersOnTheRequestsTopicAsDeployedWithATwoSecondLockRunEveryRunOnceAndNoRequestWaitsWhileAWorkerIsIdle() throws Exception {
        // the topics as `tunestream worker` creates them (--partitions 6): the requests topic gets one partition
        try (KafkaFixture kafka = new KafkaFixture(TWO_SECOND_LOCK, 6);
                Coordinator coordinator = Coordination.start(kafka, Duration.ofSeconds(20), Duration.ofSeconds(10))) {
            for (String id : List.of("w1", "w2", "w3")) {
                kafka.startWorker(kafka.workerConfig(id, QueueMode.SHARE));
            }
            // measured from when all three are members: a share group's first assignment takes a few seconds
            awaitShareMembers(kafka, 3);
            int steps = 1500;
            List<ExperimentRequest> requests = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                ExperimentRequest request = KafkaFixture.request("busy-" + i, AdapterMethodId.lora, steps);
                request.getTraining().setCheckpointEvery(500);
                requests.add(request);
            }
            Coordination.submit(kafka, requests.toArray(ExperimentRequest[]::new));
            List<String> ids = requests.stream().map(ExperimentRequest::getRunId).toList();
            for (String id : ids) {
                kafka.awaitState(id, RunState.SUCCEEDED, Duration.ofSeconds(240));
            }
            Thread.sleep(2000);

            List<RunStatus> statuses = kafka.status.messages(RunStatus.class);
            for (String id : ids) {
                List<RunStatus> own = statuses.stream().filter(s -> s.getRunId().equals(id)).toList();
                assertEquals(1, own.stream().filter(s -> s.getState() == RunState.STARTING).count(), id + " claimed twice: " + own);
                assertEquals(1, own.stream().filter(s -> s.getState() == RunState.SUCCEEDED).count(), id + " ended twice: " + own);
                RunStatus done = own.get(own.size() - 1);
                assertEquals(1, done.getAttempt(), id);
                double seconds = Duration.between(done.getStartedAt(), done.getFinishedAt()).toMillis() / 1000.0;
                assertTrue(seconds > 3 * 2, id + " took " + seconds + " s: not several 2 s locks");
            }
            Map<String, Map<Long, Long>> stepCounts = kafka.metrics.messages(StepMetric.class).stream().collect(Collectors.groupingBy(
                    StepMetric::getRunId, Collectors.groupingBy(StepMetric::getStep, TreeMap::new, Collectors.counting())));
            for (String id : ids) {
                assertEquals(steps, stepCounts.get(id).size(), id);
                assertTrue(stepCounts.get(id).values().stream().allMatch(n -> n == 1), id + " logged a step twice");
            }

            // from its dispatch to a worker's claim, no request waited more than a few seconds
            Map<String, Instant> dispatched = new HashMap<>();
            for (ConsumerRecord<String, byte[]> record : requestRecords(kafka)) {
                dispatched.putIfAbsent(record.key(), Instant.ofEpochMilli(record.timestamp()));
            }
            for (RunStatus status : statuses) {
                if (status.getState() == RunState.STARTING) {
                    Duration waited = Duration.between(dispatched.get(status.getRunId()), status.getUpdatedAt());
                    assertTrue(waited.compareTo(Duration.ofSeconds(5)) < 0, status.getRunId() + " waited " + waited + " for a worker");
                }
            }
            // and while runs were waiting, a worker that finished one started the next within a few seconds
            List<Instant> starts = statuses.stream().filter(s -> s.getState() == RunState.STARTING)
                    .map(RunStatus::getUpdatedAt).sorted().toList();
            for (RunStatus ended : statuses) {
                if (ended.getState() != RunState.SUCCEEDED) {
                    continue;
                }
                Instant at = ended.getFinishedAt();
                long startedBy = starts.stream().filter(t -> !t.isAfter(at)).count();
                if (startedBy < ids.size()) {
                    Instant next = starts.stream().filter(t -> t.isAfter(at)).findFirst().orElseThrow();
                    Duration idle = Duration.between(at, next);
                    assertTrue(idle.compareTo(Duration.ofSeconds(5)) < 0, "a worker sat idle for " + idle + " after "
                            + ended.getRunId() + " while " + (ids.size() - startedBy) + " runs waited");
                }
            }
        }
    }

    @Test
    @Timeout(120)
    void aDispatchNoWorkerTakesIsDispatchedAgainThenFailsAndHoldsNoSlot() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, Duration.ofSeconds(3), Duration.ofSeconds(5))) {
            // a worker that says it is alive and idle, but consumes nothing (say, it serves another group by mistake)
            Thread phantom = new Thread(() -> {
                for (int i = 0; i < 100 && !Thread.currentThread().isInterrupted(); i++) {
                    WorkerHeartbeat heartbeat = WorkerHeartbeat.newBuilder().setWorkerId("phantom").setHost("nowhere")
                            .setQueueMode("share").setBusy(false).setStartedAt(Instant.now()).setTimestamp(Instant.now())
                            .setIntervalMillis(1000).build();
                    kafka.sendTo(kafka.topics.heartbeats(), "phantom", MessageCodec.get().encode(heartbeat));
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "phantom-heartbeats");
            phantom.setDaemon(true);
            phantom.start();
            try {
                ExperimentRequest orphan = KafkaFixture.request("orphan", AdapterMethodId.lora, 4);
                orphan.setMaxAttempts(2);
                Coordination.submit(kafka, orphan);
                RunStatus failed = kafka.awaitState("orphan", RunState.FAILED, Duration.ofSeconds(30));
                assertEquals(FailureKind.INFRASTRUCTURE, failed.getFailure().getKind());
                assertTrue(failed.getFailure().getMessage().contains("no worker started attempt 2 within 3 s of its dispatch"),
                        failed.getFailure().getMessage());
                List<ExperimentRequest> dispatches = requestRecords(kafka).stream()
                        .map(r -> MessageCodec.get().decode(r.value(), ExperimentRequest.class)).toList();
                assertEquals(List.of(1, 2), dispatches.stream().map(ExperimentRequest::getAttempt).toList(),
                        "dispatched again once, with the next attempt");
                Instant first = Instant.ofEpochMilli(requestRecords(kafka).get(0).timestamp());
                Duration toEnd = Duration.between(first, failed.getFinishedAt());
                assertTrue(toEnd.compareTo(Duration.ofSeconds(12)) < 0, "ended " + toEnd + " after its first dispatch");
                assertTrue(kafka.statusesOf("orphan").stream().anyMatch(s -> s.getState() == RunState.QUEUED
                        && s.getReason() != null && s.getReason().contains("queued again (1 of 2 attempts lost)")));

                // the slot is free: a real worker gets the next run at once (and settles the orphan's stale dispatches)
                kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
                Coordination.submit(kafka, KafkaFixture.request("after", AdapterMethodId.lora, 4));
                kafka.awaitState("after", RunState.SUCCEEDED, Duration.ofSeconds(60));
                Thread.sleep(1500);
                assertEquals(RunState.FAILED, kafka.latestStatuses().get("orphan").getState(), "a stale dispatch ran the orphan");
            } finally {
                phantom.interrupt();
            }
        }
    }

    /**
     * Every row of the bad-input list, next to good runs: each has its stated outcome, no other run's status changes,
     * no record is handled twice, every status and dead letter stays small, and a good sweep submitted afterwards is
     * scheduled as if nothing had happened.
     */
    @Test
    @Timeout(300)
    void badRecordsNextToGoodSweepsChangeNoOtherRunAndStopNoScheduling() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, Duration.ofSeconds(20), Duration.ofSeconds(10))) {
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            kafka.startWorker(kafka.workerConfig("w2", QueueMode.SHARE));
            ExperimentRequest good = KafkaFixture.request("good", AdapterMethodId.lora, 6);
            Coordination.submit(kafka, good);
            kafka.awaitState("good", RunState.SUCCEEDED, Duration.ofSeconds(60));
            int goodStatuses = kafka.statusesOf("good").size();

            // on the requests topic: plain text under a finished run's key, random bytes, a tombstone, the finished
            // run's own request again, and a readable request whose run id is a path
            kafka.send("good", "not a request".getBytes(StandardCharsets.UTF_8));
            byte[] noise = new byte[300];
            new Random(1).nextBytes(noise);
            kafka.send("noise", noise);
            kafka.send("tomb", null);
            ExperimentRequest again = ExperimentRequest.newBuilder(good).setAttempt(1).build();
            kafka.submit(again);
            ExperimentRequest pathId = KafkaFixture.request("x", AdapterMethodId.lora, 4);
            pathId.setRunId("../../x/pwned");
            kafka.sendTo(kafka.topics.requests(), "../../x/pwned", MessageCodec.get().encode(pathId));

            // on the submissions topic (where a coordinator looks): run ids that cannot name a run, a batch size that
            // overflows the step count, a 900 KB model string and a 400 KB sweep id
            for (String id : List.of("../../x/pwned", "")) {
                ExperimentRequest bad = KafkaFixture.request("x", AdapterMethodId.lora, 4);
                bad.setRunId(id);
                kafka.sendTo(kafka.topics.submissions(), id, MessageCodec.get().encode(bad));
            }
            ExperimentRequest hugeBatch = KafkaFixture.request("huge-batch", AdapterMethodId.lora, 4);
            hugeBatch.getTraining().setBatchSize(Integer.MAX_VALUE);
            ExperimentRequest hugeModel = KafkaFixture.request("huge-model", AdapterMethodId.lora, 4);
            hugeModel.setModel("m".repeat(900_000));
            ExperimentRequest hugeSweep = KafkaFixture.request("huge-sweep", AdapterMethodId.lora, 4);
            hugeSweep.setSweepId("s".repeat(400_000));
            for (ExperimentRequest bad : List.of(hugeBatch, hugeModel, hugeSweep)) {
                kafka.sendTo(kafka.topics.submissions(), bad.getRunId(), MessageCodec.get().encode(bad));
            }

            // then a good sweep of three
            List<ExperimentRequest> sweep = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ExperimentRequest request = KafkaFixture.request("after-" + i, AdapterMethodId.lora, 6);
                request.setSweepId("after");
                sweep.add(request);
            }
            Coordination.submit(kafka, sweep.toArray(ExperimentRequest[]::new));
            for (ExperimentRequest request : sweep) {
                kafka.awaitState(request.getRunId(), RunState.SUCCEEDED, Duration.ofSeconds(90));
            }
            RunStatus batch = kafka.awaitState("huge-batch", RunState.FAILED, Duration.ofSeconds(30));
            RunStatus model = kafka.awaitState("huge-model", RunState.FAILED, Duration.ofSeconds(30));
            RunStatus sweepId = kafka.awaitState("huge-sweep", RunState.FAILED, Duration.ofSeconds(30));
            Thread.sleep(3000);

            assertEquals(goodStatuses, kafka.statusesOf("good").size(), "a bad record wrote a status of a finished run: "
                    + kafka.statusesOf("good"));
            assertEquals(RunState.SUCCEEDED, kafka.latestStatuses().get("good").getState());
            for (String key : List.of("noise", "tomb", "../../x/pwned", "")) {
                assertTrue(kafka.statusesOf(key).isEmpty(), "a status for '" + key + "'");
            }
            assertFalse(coordinator.state().runs(null).stream().anyMatch(r -> Set.of("../../x/pwned", "", "x").contains(r.runId())),
                    "the coordinator counts a run that cannot exist");

            assertEquals(FailureKind.BAD_REQUEST, batch.getFailure().getKind());
            assertEquals("training.batchSize", batch.getFailure().getField());
            assertTrue(batch.getFailure().getMessage().contains("batchSize must be at most 65536, got 2147483647"),
                    batch.getFailure().getMessage());
            assertEquals(FailureKind.BAD_REQUEST, model.getFailure().getKind());
            assertEquals("model", model.getFailure().getField());
            assertTrue(model.getFailure().getMessage().contains("at most 512 characters"), model.getFailure().getMessage());
            assertEquals("sweepId", sweepId.getFailure().getField());
            for (String id : List.of("huge-batch", "huge-model", "huge-sweep")) {
                assertEquals(1, kafka.statusesOf(id).stream().filter(s -> s.getState() == RunState.FAILED).count(), id + " retried");
            }
            long batchDispatches = requestRecords(kafka).stream().filter(r -> "huge-batch".equals(r.key())).count();
            assertEquals(1, batchDispatches, "a bad request was dispatched again");
            assertTrue(requestRecords(kafka).stream().noneMatch(r -> "huge-model".equals(r.key()) || "huge-sweep".equals(r.key())),
                    "the coordinator dispatched a request that breaks the limits");

            for (ConsumerRecord<String, byte[]> record : kafka.status.records()) {
                assertTrue(record.serializedValueSize() < 4096, "a status of " + record.serializedValueSize() + " bytes for " + record.key());
            }
            List<ConsumerRecord<String, byte[]>> dead = kafka.deadLetters.records();
            for (ConsumerRecord<String, byte[]> record : dead) {
                assertTrue(record.serializedValueSize() <= 64 * 1024, "a dead letter of " + record.serializedValueSize() + " bytes");
            }
            Map<String, Long> deadByKey = dead.stream().collect(Collectors.groupingBy(r -> String.valueOf(r.key()), Collectors.counting()));
            for (String key : List.of("good", "noise", "tomb", "../../x/pwned", "huge-batch", "huge-model")) {
                assertEquals(1L, deadByKey.get(key), "dead letters for '" + key + "': " + deadByKey);
            }
            assertEquals(1L, deadByKey.get("huge-sweep"), "dead letters for huge-sweep: " + deadByKey.keySet());
        }
    }

    private static void awaitShareMembers(KafkaFixture kafka, int members) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    ShareGroupDescription group = admin.describeShareGroups(List.of("test-workers")).all().get().get("test-workers");
                    if (group != null && group.members().size() >= members) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // the group does not exist until its first member joins
                }
                Thread.sleep(200);
            }
            throw new AssertionError(members + " workers did not join the share group within 60 s");
        }
    }

    private static List<ConsumerRecord<String, byte[]>> requestRecords(KafkaFixture kafka) {
        return kafka.requests.records();
    }
}
