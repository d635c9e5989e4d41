package io.tunestream.coordinator.kafka;

import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.schedule.Scheduler;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Submits a sweep: its schedule to the sweeps topic, then for each run not yet known to the status topic a QUEUED
 * status and its submission, which the coordinator dispatches when its schedule allows. A run that already has a
 * status (from an earlier submission) is skipped, so submitting a sweep again publishes only what is new; the
 * schedule is replaced, so a second submission may change the sweep's limits.
 */
public final class SweepSubmitter {

    /** What a submission did. */
    public record Submission(List<String> published, List<String> skipped) {}

    private final Properties clientProperties;
    private final Topics topics;
    private final Duration timeout;

    public SweepSubmitter(Properties clientProperties, Topics topics, Duration timeout) {
        this.clientProperties = clientProperties;
        this.topics = topics;
        this.timeout = timeout;
    }

    /** The runs of {@code runs} that the status topic already knows. */
    public Set<String> known(List<PlannedRun> runs) {
        Set<String> ids = runs.stream().map(PlannedRun::runId).collect(Collectors.toSet());
        return TopicSnapshot.read(clientProperties, List.of(topics.status()), timeout).stream()
                .filter(RunStatus.class::isInstance).map(m -> ((RunStatus) m).getRunId())
                .filter(ids::contains).collect(Collectors.toSet());
    }

    /**
     * @throws IllegalArgumentException naming the run and the field, when a run breaks {@link RequestLimits}; nothing
     *     is published then
     */
    public Submission submit(SweepSchedule schedule, List<PlannedRun> runs) {
        for (PlannedRun run : runs) {
            RequestLimits.check(run.request()).ifPresent(violation -> {
                throw new IllegalArgumentException("run " + RequestLimits.quote(run.runId()) + ": " + violation.message());
            });
        }
        Set<String> known = known(runs);
        List<String> published = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        publishAll(producer -> {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            // the schedule first: the coordinator must know the sweep's limits before it sees a run to dispatch
            sends.add(send(producer, topics.sweeps(), schedule.getSweepId(), schedule));
            for (PlannedRun run : runs) {
                if (known.contains(run.runId())) {
                    skipped.add(run.runId());
                    continue;
                }
                RunStatus queued = RunStatus.newBuilder().setRunId(run.runId())
                        .setSweepId(run.request().getSweepId()).setState(RunState.QUEUED).setAttempt(0)
                        .setUpdatedAt(Instant.now()).build();
                // the status first: a worker that takes the request at once already finds the run known
                sends.add(send(producer, topics.status(), run.runId(), queued));
                sends.add(send(producer, topics.submissions(), run.runId(), run.request()));
                published.add(run.runId());
            }
            return sends;
        });
        return new Submission(published, skipped);
    }

    /**
     * Queues ended runs again: withdraws any order about them, marks them QUEUED with a fresh allowance of failed
     * attempts (attempt numbers go on, so later metrics still supersede earlier ones), and submits each again.
     */
    public void requeue(List<RunRecord> runs, String reason) {
        publishAll(producer -> {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (RunRecord run : runs) {
                sends.add(producer.send(new ProducerRecord<>(topics.control(), run.runId(), null)));
                RunStatus queued = RunStatus.newBuilder(Scheduler.queuedAgain(run.status(), reason, Instant.now()))
                        .setFailedAttempts(0).build();
                sends.add(send(producer, topics.status(), run.runId(), queued));
                sends.add(send(producer, topics.submissions(), run.runId(), run.request()));
            }
            return sends;
        });
    }

    private static Future<RecordMetadata> send(KafkaProducer<String, byte[]> producer, String topic, String key,
            SpecificRecordBase message) {
        return producer.send(new ProducerRecord<>(topic, key, MessageCodec.get().encode(message)));
    }

    /** Runs {@code publishing} on an idempotent producer and waits for every send it returns, or fails loudly. */
    private void publishAll(Function<KafkaProducer<String, byte[]>, List<Future<RecordMetadata>>> publishing) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClientProperties.reliableProducer(clientProperties))) {
            for (Future<RecordMetadata> send : publishing.apply(producer)) {
                send.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to Kafka failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        }
    }
}
