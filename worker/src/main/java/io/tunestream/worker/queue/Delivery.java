package io.tunestream.worker.queue;

/**
 * One request record handed to this worker.
 *
 * @param topic topic it came from
 * @param partition its partition
 * @param offset its offset
 * @param key record key (the run id), or null
 * @param value record bytes, undecoded: a poison record must not break the consumer
 * @param deliveryCount how many times the broker has handed it out (share groups); 0 where unknown (classic groups)
 */
public record Delivery(String topic, int partition, long offset, String key, byte[] value, int deliveryCount) {

    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
