package io.tunestream.coordinator.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls sweeps' webhooks ({@code schedule.notify}; coordinator/README.md, Notifications): each event is POSTed as JSON
 * by one sender thread of its own, tried {@link #ATTEMPTS} times with a doubling pause while the answer is not 2xx,
 * each try bounded by {@link #TIMEOUT}. Scheduling never waits on it: {@link #offer} only queues, and a full queue
 * drops the event with a warning. The URL is logged by its host only: a webhook's path often carries its secret.
 */
public final class Notifier implements AutoCloseable {

    public static final int ATTEMPTS = 3;
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int QUEUE = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Event(URI url, String body) {}

    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final Duration firstPause;
    private final Thread sender;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private volatile boolean closed;

    /** @param firstPause the pause before the second try; it doubles before each next one */
    public Notifier(Duration firstPause) {
        this.firstPause = firstPause;
        this.sender = new Thread(this::send, "coordinator-notifier");
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues {@code event} for {@code url}; false (and a warning) when the queue is full. */
    public boolean offer(URI url, Map<String, Object> event) {
        String body;
        try {
            body = JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event of plain values always serialises", e);
        }
        boolean queued = queue.offer(new Event(url, body));
        if (!queued) {
            abandoned.incrementAndGet();
            LOG.warn("dropping a notification for {}: {} are waiting already", url.getHost(), QUEUE);
        }
        return queued;
    }

    /** Events answered with 2xx. */
    public long delivered() {
        return delivered.get();
    }

    /** Events given up on: every try failed, or the queue was full. */
    public long abandoned() {
        return abandoned.get();
    }

    private void send() {
        while (!closed) {
            Event event;
            try {
                event = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (event != null) {
                deliver(event);
            }
        }
    }

    private void deliver(Event event) {
        HttpRequest request = HttpRequest.newBuilder(event.url()).timeout(TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(event.body())).build();
        Duration pause = firstPause;
        String last = "";
        for (int attempt = 1; attempt <= ATTEMPTS && !closed; attempt++) {
            try {
                int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) {
                    delivered.incrementAndGet();
                    return;
                }
                last = "HTTP " + status;
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < ATTEMPTS) {
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                pause = pause.multipliedBy(2);
            }
        }
        abandoned.incrementAndGet();
        LOG.warn("gave up notifying {} after {} tries (last: {})", event.url().getHost(), ATTEMPTS, last);
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
