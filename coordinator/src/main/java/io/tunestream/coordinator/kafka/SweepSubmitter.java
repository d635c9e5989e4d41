package io.tunestream.coordinator.kafka;

import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a sweep's runs: for each run not yet known to the status topic, a QUEUED status and then the request.
 * A run that already has a status (from an earlier submission) is skipped, so submitting a sweep again publishes
 * only what is new.
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

    public Submission submit(List<PlannedRun> runs) {
        Set<String> known = known(runs);
        List<String> published = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Properties props = new Properties();
        props.putAll(clientProperties);
        // every run is published once, in order, or the submission fails loudly
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (PlannedRun run : runs) {
                if (known.contains(run.runId())) {
                    skipped.add(run.runId());
                    continue;
                }
                RunStatus queued = RunStatus.newBuilder().setRunId(run.runId())
                        .setSweepId(run.request().getSweepId()).setState(RunState.QUEUED).setAttempt(0)
                        .setUpdatedAt(Instant.now()).build();
                // the status first: a worker that takes the request at once already finds the run known
                sends.add(producer.send(new ProducerRecord<>(topics.status(), run.runId(), MessageCodec.get().encode(queued))));
                sends.add(producer.send(new ProducerRecord<>(topics.requests(), run.runId(),
                        MessageCodec.get().encode(run.request()))));
                published.add(run.runId());
            }
            for (Future<RecordMetadata> send : sends) {
                send.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing the sweep failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge the sweep within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the sweep", e);
        }
        return new Submission(published, skipped);
    }
}
