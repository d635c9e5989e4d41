package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.queue.QueueMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kind of bad input lands on the dead-letter topic with its original bytes and leaves the worker serving the
 * next good request. A request that cannot run ends FAILED with a reason naming the field; a record that is not a
 * request at all writes no run's status. None of them makes the worker read outside its model roots or fetch a URL.
 */
class BadInputTest {

    /** What each bad record should be failed for: the field (null: the record as a whole) and a phrase of the reason. */
    private record Expected(String field, String phrase) {}

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(240)
    void badInputFailsWithAReasonGoesToTheDeadLetterTopicAndTheWorkerServesOn(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.startWorker(kafka.workerConfig("w1", mode));
            Map<String, Expected> expected = new LinkedHashMap<>();

            Map<String, Expected> unreadable = new LinkedHashMap<>();
            kafka.send("bad-bytes", "{\"runId\": \"bad-bytes\"}".getBytes(StandardCharsets.UTF_8));
            unreadable.put("bad-bytes", new Expected(null, "not an Avro single-object record"));

            byte[] unknownSchema = MessageCodec.get().encode(KafkaFixture.request("bad-schema", AdapterMethodId.lora, 2));
            unknownSchema[4] ^= 0x5A;
            kafka.send("bad-schema", unknownSchema);
            unreadable.put("bad-schema", new Expected(null, "unknown schema fingerprint"));

            submit(kafka, expected, "bad-method", r -> r.setMethod(AdapterMethodId.unknown), "method", "valid methods: lora");
            submit(kafka, expected, "bad-model", r -> r.setModel("gpt-17"), "model", "valid forms");
            submit(kafka, expected, "bad-rank", r -> r.getAdapter().setRank(64), "adapter.rank", "rank 64 exceeds");
            submit(kafka, expected, "bad-lr", r -> r.getTraining().setLearningRate(-1e-3), "training.learningRate",
                    "learningRate must be a positive number");
            submit(kafka, expected, "bad-root", r -> r.setModel("hf:/etc"), "model", "serves no HuggingFace directories");
            submit(kafka, expected, "bad-url", r -> r.setModel("https://example.com/model"), "model", "is a URL");
            submit(kafka, expected, "bad-dataset", r -> r.setDataset("../../etc/passwd"), "dataset", "valid datasets: glue-cola, glue-mnli, glue-mrpc, glue-qnli, glue-qqp, glue-rte, glue-sst2, glue-stsb, glue-wnli");

            kafka.submit(KafkaFixture.request("good", AdapterMethodId.lora, 4));
            kafka.awaitState("good", RunState.SUCCEEDED, Duration.ofSeconds(120));

            Map<String, RunStatus> latest = kafka.latestStatuses();
            for (Map.Entry<String, Expected> bad : expected.entrySet()) {
                RunStatus status = latest.get(bad.getKey());
                assertNotNull(status, "no status for " + bad.getKey());
                assertEquals(RunState.FAILED, status.getState(), bad.getKey());
                assertEquals(FailureKind.BAD_REQUEST, status.getFailure().getKind(), bad.getKey());
                assertEquals(bad.getValue().field(), status.getFailure().getField(), bad.getKey());
                assertTrue(status.getFailure().getMessage().contains(bad.getValue().phrase()),
                        bad.getKey() + ": " + status.getFailure().getMessage());
            }
            for (String key : unreadable.keySet()) {
                assertTrue(kafka.statusesOf(key).isEmpty(), "an unreadable record wrote a status: " + kafka.statusesOf(key));
            }
            Map<String, Expected> all = new LinkedHashMap<>(unreadable);
            all.putAll(expected);
            List<ConsumerRecord<String, byte[]>> dead = kafka.deadLetters.records();
            assertEquals(all.keySet(), dead.stream().map(ConsumerRecord::key).collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
            assertEquals(all.size(), dead.size(), "a bad record was dead-lettered more than once");
            for (ConsumerRecord<String, byte[]> record : dead) {
                Header error = record.headers().lastHeader(Topics.HEADER_ERROR);
                assertNotNull(error, record.key());
                assertTrue(new String(error.value(), StandardCharsets.UTF_8).contains(all.get(record.key()).phrase()));
                assertNotNull(record.headers().lastHeader(Topics.HEADER_SOURCE));
            }
            byte[] original = dead.stream().filter(r -> r.key().equals("bad-bytes")).findFirst().orElseThrow().value();
            assertEquals("{\"runId\": \"bad-bytes\"}", new String(original, StandardCharsets.UTF_8), "the original bytes are kept");
        }
    }

    private static void submit(KafkaFixture kafka, Map<String, Expected> expected, String runId,
            Consumer<ExperimentRequest> spoil, String field, String phrase) {
        ExperimentRequest request = KafkaFixture.request(runId, AdapterMethodId.lora, 2);
        spoil.accept(request);
        kafka.submit(request);
        expected.put(runId, new Expected(field, phrase));
    }
}
