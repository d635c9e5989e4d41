package io.tunestream.worker.service;

import io.tunestream.schemas.DeadLetters;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a worker writes: status, step and eval metrics, heartbeats, dead letters. One idempotent producer
 * (acks=all), fed from every thread through an outbox: a send only queues the record, so training never waits for
 * the broker, and one sender thread hands records to the producer in the order they were queued.
 *
 * <p>The producer itself blocks a send while it has no metadata for the record's topic (up to {@code max.block.ms})
 * and then throws ("Topic ... not present in metadata after 1000 ms"): a producer that has not sent to the topic yet,
 * or not within {@code metadata.max.idle.ms}, has none while no broker answers, and a record sent then was lost
 * (docs/worker.md, "Outages and limits"). The sender thread instead keeps such a record at the head of the outbox and
 * tries it again until the producer takes it; nothing behind it overtakes it.
 * Records the producer has taken wait in its buffer and are retried, without duplicates, for up to
 * {@code delivery.timeout.ms} (one hour here). The outbox holds at most {@link #OUTBOX_BYTES}; past that a record is
 * dropped and counted rather than growing without bound.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
    /** About 400,000 step metrics: more than an hour of training at any speed this worker reaches. */
    static final long OUTBOX_BYTES = 64L * 1024 * 1024;
    private static final long RETRY_PAUSE_MILLIS = 200;

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;
    private final MessageCodec codec = MessageCodec.get();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sendNanos = new AtomicLong();
    private final AtomicLong sends = new AtomicLong();
    private final LinkedBlockingQueue<Outgoing> outbox = new LinkedBlockingQueue<>();
    private final AtomicLong outboxBytes = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong handedOver = new AtomicLong();
    private final Thread sender;
    private volatile boolean closing;

    /** A record waiting in the outbox, and the future its sender completes once the broker has it. */
    private record Outgoing(ProducerRecord<String, byte[]> record, CompletableFuture<RecordMetadata> sent, long bytes) {}

    public EventPublisher(Properties clientProperties, Topics topics, String clientId) {
        Properties props = new Properties();
        // the producer's own defaults first, so that a properties file can override them
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // a broker outage of up to an hour loses no record: records wait and are retried without duplicates
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Duration.ofHours(1).toMillis()));
        // the sender thread, not training, waits for metadata; it retries after this instead of blocking longer
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        // keep the topics' metadata while no broker answers, so that sends during an outage return at once and
        // buffer; the default (rebootstrap) forgets it and makes every send block (measured on Kafka 4.4.0)
        props.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        // metrics of consecutive steps travel together
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.putAll(clientProperties);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
        this.topics = topics;
        this.sender = new Thread(this::sendLoop, clientId + "-sender");
        sender.setDaemon(true);
        sender.start();
    }

    public Topics topics() {
        return topics;
    }

    /** Sends a status record; the returned future completes once the broker has it (acks=all). */
    public Future<RecordMetadata> status(String runId, SpecificRecordBase status) {
        return send(topics.status(), runId, status);
    }

    /** A line of the run's log (logs topic), sent as metrics are: in order per run, without waiting. */
    public void log(String runId, SpecificRecordBase line) {
        send(topics.logs(), runId, line);
    }

    public void metric(String runId, SpecificRecordBase metric) {
        send(topics.metrics(), runId, metric);
    }

    public void heartbeat(String workerId, SpecificRecordBase heartbeat) {
        send(topics.heartbeats(), workerId, heartbeat);
    }

    /** A request that cannot run, as {@link DeadLetters} shapes it. */
    public Future<RecordMetadata> deadLetter(String key, byte[] original, String source, String field, String reason) {
        return sendRecord(DeadLetters.record(topics.deadLetter(), key, original, source, field, reason));
    }

    private Future<RecordMetadata> send(String topic, String key, SpecificRecordBase message) {
        return sendRecord(new ProducerRecord<>(topic, key, codec.encode(message)));
    }

    private Future<RecordMetadata> sendRecord(ProducerRecord<String, byte[]> record) {
        long started = System.nanoTime();
        try {
            long bytes = (record.value() == null ? 0 : record.value().length) + 64L;
            if (closing || outboxBytes.addAndGet(bytes) > OUTBOX_BYTES) {
                if (!closing) {
                    outboxBytes.addAndGet(-bytes);
                }
                failed.incrementAndGet();
                LOG.warn("dropped a record for {} (key {}): {}", record.topic(), record.key(),
                        closing ? "the publisher is closing" : "the outbox is full (" + OUTBOX_BYTES + " bytes)");
                return CompletableFuture.failedFuture(new IllegalStateException("outbox full or closed"));
            }
            CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
            queued.incrementAndGet();
            outbox.add(new Outgoing(record, sent, bytes));
            return sent;
        } finally {
            sendNanos.addAndGet(System.nanoTime() - started);
            sends.incrementAndGet();
        }
    }

    /** Hands each queued record to the producer in order, trying one again until the producer takes it. */
    private void sendLoop() {
        while (true) {
            Outgoing next;
            try {
                next = outbox.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            handOver(next);
            outboxBytes.addAndGet(-next.bytes());
            handedOver.incrementAndGet();
        }
    }

    private void handOver(Outgoing outgoing) {
        ProducerRecord<String, byte[]> record = outgoing.record();
        for (int tries = 1; ; tries++) {
            try {
                // the producer reports a metadata wait that ran out through the send's future, not by throwing, and
                // the record is lost then: wait for the topic's metadata here first, where a timeout can be retried
                producer.partitionsFor(record.topic());
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        LOG.warn("lost a record for {} (key {}): {}", record.topic(), record.key(), error.toString());
                        outgoing.sent().completeExceptionally(error);
                    } else {
                        outgoing.sent().complete(metadata);
                    }
                });
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // no metadata for the topic yet (the broker is away or just back): try the same record again
                if (tries == 1 || tries % 50 == 0) {
                    LOG.warn("waiting to send to {} (try {}): {}", record.topic(), tries, e.getMessage());
                }
                if (closing && tries > 10) {
                    giveUp(outgoing, e);
                    return;
                }
                pause();
            } catch (KafkaException | IllegalStateException e) {
                giveUp(outgoing, e);
                return;
            }
        }
    }

    private void giveUp(Outgoing outgoing, RuntimeException e) {
        failed.incrementAndGet();
        LOG.warn("dropped a record for {} (key {}): {}", outgoing.record().topic(), outgoing.record().key(), e.toString());
        outgoing.sent().completeExceptionally(e);
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for {@code sent} until it is acknowledged or {@code patience} runs out.
     *
     * @return whether the broker acknowledged it
     */
    public static boolean await(Future<RecordMetadata> sent, Duration patience) {
        try {
            sent.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            LOG.warn("a record was not delivered: {}", e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Records given up on: not delivered within the delivery timeout, or dropped on a full buffer. */
    public long failedRecords() {
        return failed.get();
    }

    /** Mean time a send call took on the caller's thread, in milliseconds: what publishing costs training. */
    public double meanSendMillis() {
        long count = sends.get();
        return count == 0 ? 0 : sendNanos.get() / 1e6 / count;
    }

    /** Lets {@code meters} watch this producer's own metrics. */
    public void bindMetrics(KafkaClientMeters meters) {
        meters.add(producer);
    }

    /** Waits (up to 10 s) until every record queued so far is with the producer, then until the broker has them. */
    public void flush() {
        long target = queued.get();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (handedOver.get() < target && System.nanoTime() < deadline) {
            pause();
        }
        producer.flush();
    }

    @Override
    public void close() {
        flush();
        closing = true;
        try {
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.close(Duration.ofSeconds(10));
        } catch (KafkaException e) {
            LOG.warn("closing the producer: {}", e.toString());
        }
    }
}
