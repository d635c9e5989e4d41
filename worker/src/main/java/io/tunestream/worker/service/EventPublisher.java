package io.tunestream.worker.service;

import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.metrics.KafkaClientMeters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a worker writes: status, step and eval metrics, heartbeats, dead letters. One idempotent producer
 * (acks=all), used from every thread; sends are asynchronous, so training never waits for the broker.
 *
 * <p>If the broker goes away, records wait in the producer's buffer ({@code buffer.memory}, 32 MiB by default:
 * about 200,000 step metrics) for up to {@code delivery.timeout.ms} (one hour here) and are delivered when it
 * returns; idempotence keeps retries from writing duplicates. When the buffer is full a send gives up after
 * {@code max.block.ms} (one second here) and the record is dropped and counted, rather than stalling training.
 * All three can be overridden in the client properties file.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;
    private final MessageCodec codec = MessageCodec.get();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sendNanos = new AtomicLong();
    private final AtomicLong sends = new AtomicLong();

    public EventPublisher(Properties clientProperties, Topics topics, String clientId) {
        Properties props = new Properties();
        // the producer's own defaults first, so that a properties file can override them
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // a broker outage of up to an hour loses no metric: records wait and are retried without duplicates
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Duration.ofHours(1).toMillis()));
        // a full buffer drops a metric after a second instead of stalling the training thread
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
    }

    public Topics topics() {
        return topics;
    }

    /** Sends a status record; the returned future completes once the broker has it (acks=all). */
    public Future<RecordMetadata> status(String runId, SpecificRecordBase status) {
        return send(topics.status(), runId, status);
    }

    public void metric(String runId, SpecificRecordBase metric) {
        send(topics.metrics(), runId, metric);
    }

    public void heartbeat(String workerId, SpecificRecordBase heartbeat) {
        send(topics.heartbeats(), workerId, heartbeat);
    }

    /** The original bytes of a request that cannot run, with the reason and the field at fault in headers. */
    public Future<RecordMetadata> deadLetter(String key, byte[] original, String source, String field, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_ERROR, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_SOURCE, source.getBytes(StandardCharsets.UTF_8));
        if (field != null) {
            headers.add(Topics.HEADER_FIELD, field.getBytes(StandardCharsets.UTF_8));
        }
        return sendRecord(new ProducerRecord<>(topics.deadLetter(), null, key, original, headers));
    }

    private Future<RecordMetadata> send(String topic, String key, SpecificRecordBase message) {
        return sendRecord(new ProducerRecord<>(topic, key, codec.encode(message)));
    }

    private Future<RecordMetadata> sendRecord(ProducerRecord<String, byte[]> record) {
        long started = System.nanoTime();
        try {
            return producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                    LOG.warn("lost a record for {} (key {}): {}", record.topic(), record.key(), error.toString());
                }
            });
        } catch (KafkaException e) {
            failed.incrementAndGet();
            LOG.warn("dropped a record for {} (key {}): {}", record.topic(), record.key(), e.toString());
            return CompletableFuture.failedFuture(e);
        } finally {
            sendNanos.addAndGet(System.nanoTime() - started);
            sends.incrementAndGet();
        }
    }

    /**
     * Waits for {@code sent}, calling {@code whileWaiting} between waits (the worker keeps its request's lock
     * meanwhile), until it is acknowledged or {@code patience} runs out.
     *
     * @return whether the broker acknowledged it
     */
    public static boolean await(Future<RecordMetadata> sent, Duration patience, Runnable whileWaiting) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                sent.get(500, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                whileWaiting.run();
            } catch (ExecutionException e) {
                LOG.warn("a record was not delivered: {}", e.getCause().toString());
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
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

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(10));
        } catch (KafkaException e) {
            LOG.warn("closing the producer: {}", e.toString());
        }
    }
}
