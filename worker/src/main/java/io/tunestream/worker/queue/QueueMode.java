package io.tunestream.worker.queue;

import java.util.Arrays;
import java.util.Locale;

/** How workers share the requests topic. */
public enum QueueMode {
    /** A share group (KIP-932, Kafka 4.2 and later): per-record locks, any number of workers per partition. */
    SHARE,
    /** A classic consumer group, for older brokers: at most one busy worker per partition. */
    GROUP;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QueueMode fromId(String id) {
        return Arrays.stream(values()).filter(m -> m.id().equalsIgnoreCase(id == null ? "" : id.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown queue mode '" + id + "'; valid modes: share, group"));
    }
}
