package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TPE sweep run by the coordinator against the embedded broker, results published as workers would (a known
 * function of the hyperparameters, no training): `submit` plans the random start, the coordinator proposes the rest
 * one at a time as results arrive, and a coordinator restarted in the middle proposes the same runs as one that ran
 * throughout.
 */
class TpeSearchTest {

    private static final String SWEEP = """
            sweep: tpe
            base: {method: lora, model: random:tiny}
            search:
              algorithm: tpe
              samples: 6
              startup: 2
              seed: 3
              space:
                learningRate: {loguniform: [1.0e-5, 1.0e-1]}
                dropout: {uniform: [0.0, 0.5]}
            schedule: {maxConcurrent: 1}
            """;

    private final Topics topics = Topics.defaults();

    @TempDir
    Path dir;

    /** Two seeds per configuration: the search's runs come in pairs, each pair one configuration with consecutive seeds. */
    private static final String REPEATED = SWEEP.replace("samples: 6", "samples: 3").replace("schedule: {maxConcurrent: 1}",
            "repeats: 2\nschedule: {maxConcurrent: 2}");

    @Test
    @Timeout(240)
    void theCoordinatorProposesTheRestAndARestartedOneProposesTheSame() throws Exception {
        List<String> throughout = search(SWEEP, 6, false);
        List<String> restarted = search(SWEEP, 6, true);
        assertEquals(6, throughout.size(), throughout.toString());
        assertEquals(throughout, restarted, "a restarted coordinator proposed other runs");
        Sweep sweep = Sweep.read(Files.writeString(dir.resolve("tpe.yaml"), SWEEP));
        List<String> randomStart = SweepPlanner.plan(sweep, Instant.EPOCH).stream().map(PlannedRun::runId).toList();
        assertEquals(randomStart, throughout.subList(0, 2), "submit plans the random start");
    }

    /**
     * With repeats, TPE proposes a configuration with all its seeds and observes it by their mean; a restart in the
     * middle changes nothing.
     */
    @Test
    @Timeout(240)
    void withRepeatsEachProposalIsAConfigurationWithAllItsSeeds() throws Exception {
        List<String> throughout = search(REPEATED, 6, false);
        assertEquals(throughout, search(REPEATED, 6, true), "a restarted coordinator proposed other runs");
        assertEquals(SweepPlanner.plan(Sweep.read(Files.writeString(dir.resolve("tpe.yaml"), REPEATED)), Instant.EPOCH).stream()
                .map(PlannedRun::runId).toList(), throughout.subList(0, 4), "submit plans the random start: 2 x 2 seeds");
        for (int pair = 0; pair < 3; pair++) {
            RunRecord first = runs.get(throughout.get(2 * pair));
            RunRecord second = runs.get(throughout.get(2 * pair + 1));
            assertEquals(first.request().getTraining().getLearningRate(), second.request().getTraining().getLearningRate());
            assertEquals(first.request().getAdapter().getDropout(), second.request().getAdapter().getDropout());
            assertEquals(List.of(42L, 43L), List.of(first.request().getSeed(), second.request().getSeed()),
                    "seeds base.seed, base.seed + 1");
        }
    }

    /** The runs of the last search by id, as its coordinator knew them. */
    private final java.util.Map<String, RunRecord> runs = new java.util.HashMap<>();

    /**
     * Runs the sweep to its end ({@code total} runs), publishing each run's result as it is submitted, a run's score a
     * known function of its settings (its seed adds a little noise); returns the runs in order.
     */
    private List<String> search(String sweepText, int total, boolean restartAfterThird) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            Properties client = new Properties();
            client.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                topics.ensure(admin, 2, Duration.ofSeconds(30));
            }
            Path file = Files.writeString(dir.resolve("tpe.yaml"), sweepText);
            Sweep sweep = Sweep.read(file);
            SweepSchedule schedule = sweep.schedule().toMessage(sweep.name(), Instant.now());
            schedule.setDefinition(Sweep.definition(file));
            new SweepSubmitter(client, topics, Duration.ofSeconds(30)).submit(schedule, SweepPlanner.plan(sweep, Instant.now()));
            List<String> order = new ArrayList<>();
            Coordinator coordinator = Coordinator.start(client, topics, Coordinator.Settings.defaults());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
                while (order.size() < total) {
                    if (restartAfterThird && order.size() == 3) {
                        coordinator.close();
                        coordinator = Coordinator.start(client, topics, Coordinator.Settings.defaults());
                        restartAfterThird = false;
                    }
                    RunRecord next = awaitUnfinished(coordinator, order);
                    order.add(next.runId());
                    double lr = next.request().getTraining().getLearningRate();
                    double dropout = next.request().getAdapter().getDropout();
                    assertTrue(lr >= 1e-5 && lr <= 1e-1 && dropout >= 0 && dropout <= 0.5, next.runId() + ": " + lr + ", " + dropout);
                    double score = 1 - Math.pow(Math.log10(lr) + 3.3, 2) / 10 - (dropout - 0.1) * (dropout - 0.1)
                            + 0.01 * ((next.request().getSeed() == null ? 0 : next.request().getSeed() % 2));
                    producer.send(new ProducerRecord<>(topics.status(), next.runId(),
                            MessageCodec.get().encode(succeeded(next.runId(), score)))).get();
                }
                // with all finished, nothing more is proposed
                Thread.sleep(1_500);
                assertEquals(total, coordinator.state().runs("tpe").size());
                runs.clear();
                coordinator.state().runs("tpe").forEach(run -> runs.put(run.runId(), run));
            } finally {
                coordinator.close();
            }
            return order;
        }
    }

    /** The sweep's run that is not finished and not among {@code seen}: the next to "train", first by sequence. */
    private static RunRecord awaitUnfinished(Coordinator coordinator, List<String> seen) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<RunRecord> waiting = coordinator.state().runs("tpe").stream()
                    .filter(r -> r.request() != null && !r.finished() && !seen.contains(r.runId()))
                    .sorted(java.util.Comparator.comparingInt((RunRecord r) -> r.request().getSequence())
                            .thenComparing(RunRecord::runId))
                    .toList();
            if (!waiting.isEmpty()) {
                return waiting.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no run to train within 60 s after " + seen);
    }

    private static RunStatus succeeded(String runId, double score) {
        RunSummary summary = RunSummary.newBuilder().setSteps(10).setFinalAccuracy(score).setFinalF1(score).setFinalLoss(0.4)
                .setBestAccuracy(score).setBestStep(10).setAdapterParameters(100).setHeadParameters(50)
                .setTotalParameters(1000).setWallSeconds(5).setSamplesPerSecond(100).setTrainExamples(64)
                .setMetric("accuracy").setBestScore(score).build();
        return RunStatus.newBuilder().setRunId(runId).setSweepId("tpe").setState(RunState.SUCCEEDED).setAttempt(1)
                .setWorkerId("w1").setStep(10).setTotalSteps(10).setSummary(summary).setUpdatedAt(Instant.now())
                .setFinishedAt(Instant.now()).build();
    }
}
