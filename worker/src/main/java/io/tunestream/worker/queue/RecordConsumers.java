package io.tunestream.worker.queue;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Settings every consumer of a worker shares: the deployment's client settings, run-id keys, undecoded values. */
public final class RecordConsumers {

    private RecordConsumers() {}

    /**
     * {@code clientProperties} plus string keys and byte-array values: values are decoded by the worker, one record
     * at a time, so that a poison record cannot break the consumer.
     */
    public static Properties properties(Properties clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }
}
