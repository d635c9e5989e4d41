package io.tunestream.worker.service;

import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.MessageFormatException;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.metrics.KafkaClientMeters;
import io.tunestream.worker.queue.RecordConsumers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker knows of every run besides its own: the latest status per run, each run's claim, and the cancelled
 * runs, read from the compacted status and control topics from their beginning (no consumer group: every worker
 * reads all of both). It answers "did this run already end?", "who holds which attempt?" and "was it cancelled or
 * ordered to stop?".
 *
 * <p>A claim is the first STARTING status of a run's highest attempt. The status topic is keyed by run id, so every
 * reader sees one run's statuses in the same order and agrees on who won an attempt (docs/worker.md, "Claims").
 */
public final class ClusterView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topics topics;
    private final Map<String, RunStatus> statuses = new ConcurrentHashMap<>();
    private final Map<String, ControlCommand> orders = new ConcurrentHashMap<>();
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    public ClusterView(Properties clientProperties, Topics topics, String clientId) {
        Properties props = RecordConsumers.properties(clientProperties);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // a reader of the whole log, not a member of any group
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props);
        this.topics = topics;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.status(), topics.control())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                throw new IllegalStateException("topic " + topic + " does not exist; create the topics first");
            }
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::readLoop, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    /** The latest status of {@code runId}, as far as this view has read. */
    public Optional<RunStatus> status(String runId) {
        return Optional.ofNullable(statuses.get(runId));
    }

    /** Who holds a run: the first worker whose STARTING status was read for {@code attempt}, the run's highest. */
    public record Claim(int attempt, String workerId) {

        public boolean heldBy(int expectedAttempt, String expectedWorker) {
            return attempt == expectedAttempt && expectedWorker.equals(workerId);
        }
    }

    /** The claim on {@code runId}'s highest attempt, as far as this view has read. */
    public Optional<Claim> claim(String runId) {
        return Optional.ofNullable(claims.get(runId));
    }

    /** The latest known order about {@code runId} (cancel, or stop early), if any; a newer order replaces an older. */
    public Optional<ControlCommand> order(String runId) {
        return Optional.ofNullable(orders.get(runId));
    }

    /**
     * Waits until this view has read everything written to the status and control topics before the call, so that
     * a decision about a delivered request sees every earlier status and cancel.
     *
     * @return false when it could not catch up within {@code timeout} (the broker is away)
     */
    public boolean catchUp(Duration timeout) {
        CompletableFuture<Void> request = new CompletableFuture<>();
        // taken up by the reading thread within one short poll; no wakeup, which could interrupt its offset lookup
        syncRequests.add(request);
        try {
            request.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void readLoop() {
        Map<CompletableFuture<Void>, Map<TopicPartition, Long>> targets = new HashMap<>();
        while (!closed) {
            try {
                for (CompletableFuture<Void> request; (request = syncRequests.poll()) != null; ) {
                    targets.put(request, consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(5)));
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                targets.entrySet().removeIf(entry -> {
                    boolean reached = entry.getValue().entrySet().stream()
                            .allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
                    if (reached) {
                        entry.getKey().complete(null);
                    }
                    return reached;
                });
            } catch (WakeupException e) {
                // close() woke the loop
            } catch (KafkaException e) {
                if (!closed) {
                    LOG.warn("reading run status and control topics: {}", e.toString());
                    sleepQuietly();
                }
            }
        }
        targets.keySet().forEach(request -> request.completeExceptionally(new IllegalStateException("closed")));
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            // a tombstone on the control topic withdraws the run's order (a rerun clears an old cancel)
            if (record.topic().equals(topics.control()) && record.key() != null) {
                orders.remove(record.key());
            }
            return;
        }
        try {
            if (record.topic().equals(topics.status())) {
                RunStatus status = MessageCodec.get().decode(record.value(), RunStatus.class);
                statuses.merge(status.getRunId(), status, (current, next) -> RunStates.replaces(current, next) ? next : current);
                if (status.getState() == RunState.STARTING && status.getWorkerId() != null) {
                    claims.merge(status.getRunId(), new Claim(status.getAttempt(), status.getWorkerId()),
                            (current, next) -> next.attempt() > current.attempt() ? next : current);
                }
            } else {
                ControlCommand command = MessageCodec.get().decode(record.value(), ControlCommand.class);
                // an action this version does not know (UNKNOWN) is not an order it can follow
                if (command.getAction() != ControlAction.UNKNOWN) {
                    orders.put(command.getRunId(), command);
                }
            }
        } catch (MessageFormatException e) {
            LOG.warn("skipping an unreadable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets {@code meters} watch this view's consumer's own metrics. */
    public void bindMetrics(KafkaClientMeters meters) {
        meters.add(consumer);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
