package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A record sent while no broker answers, to a topic the producer has no metadata for, is kept and delivered once the
 * broker is back. Kafka's producer alone loses it after {@code max.block.ms} ("Topic ... not present in metadata"),
 * reporting that through the send's future.
 */
class EventPublisherTest {

    @Test
    @Timeout(120)
    void aRecordForATopicWithoutMetadataWaitsOutAnOutageAndArrivesOnce() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.broker.stop();
            try (EventPublisher publisher = new EventPublisher(kafka.clientProperties(), kafka.topics, "outage")) {
                Future<RecordMetadata> sent = publisher.deadLetter("late", "bytes".getBytes(StandardCharsets.UTF_8),
                        "test", null, "sent while the broker was away");
                Thread.sleep(5000);
                assertFalse(sent.isDone(), "the record was given up while the broker was away");
                kafka.broker.restart();
                assertTrue(EventPublisher.await(sent, Duration.ofSeconds(60)), "not delivered after the restart");
                assertEquals(0, publisher.failedRecords());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (kafka.deadLetters.records().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            assertEquals(1, kafka.deadLetters.records().size(), "delivered once");
        }
    }
}
