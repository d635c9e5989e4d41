package io.tunestream.coordinator.service;

import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.schedule.Action;
import io.tunestream.coordinator.schedule.Scheduler;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.DeadLetters;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.Health;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.Topics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator service without its HTTP face: reads every topic into a {@link CoordinatorState} (what the API and
 * the commands show) and a {@link Scheduler} (what happens next), and publishes the scheduler's decisions every tick
 * once it has caught up with the topics. Run one per cluster: two would both dispatch.
 */
public final class Coordinator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);
    /** The least time without a tick after which the scheduler counts as stuck. */
    public static final Duration STALL = Duration.ofSeconds(30);

    /**
     * @param aging how long a waiting run takes to gain one priority level
     * @param tick how often the scheduler decides
     * @param startTimeout how long a dispatch may wait for a worker to claim it before it counts as lost
     * @param workerTimeout how long a claimed attempt may go unheard of before it counts as lost
     * @param notifyPause the pause before a webhook's second try ({@link Notifier})
     */
    public record Settings(Duration aging, Duration tick, Duration startTimeout, Duration workerTimeout,
            Duration notifyPause) {

        public static final Duration DEFAULT_AGING = Duration.ofMinutes(5);
        /** The pause before a webhook's second try; it doubles before the third. */
        public static final Duration DEFAULT_NOTIFY_PAUSE = Duration.ofSeconds(2);

        public static Settings defaults() {
            return new Settings(DEFAULT_AGING, Duration.ofMillis(250), Scheduler.DEFAULT_START_TIMEOUT,
                    Scheduler.DEFAULT_WORKER_TIMEOUT, DEFAULT_NOTIFY_PAUSE);
        }

        public Settings withAging(Duration newAging) {
            return new Settings(newAging, tick, startTimeout, workerTimeout, notifyPause);
        }

        public Settings withTimeouts(Duration newStartTimeout, Duration newWorkerTimeout) {
            return new Settings(aging, tick, newStartTimeout, newWorkerTimeout, notifyPause);
        }

        public Settings withNotifyPause(Duration pause) {
            return new Settings(aging, tick, startTimeout, workerTimeout, pause);
        }
    }

    private final Properties clientProperties;
    private final Topics topics;
    private final Settings settings;
    private final CoordinatorState state = new CoordinatorState();
    private final Scheduler scheduler;
    private final StateReader reader;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread loop;
    private final Notifier notifier;
    private final TpeProposer tpe = new TpeProposer();
    /** Each sweep's webhook, from its latest schedule. */
    private final Map<String, URI> webhooks = new ConcurrentHashMap<>();
    /** Events already sent: a run's failed attempt, a sweep finished; a sweep leaves it when a run of it is queued again. */
    private final Set<String> notified = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** When the scheduler loop last went round (its catch-up wait included). */
    private volatile long lastTickNanos = System.nanoTime();
    private volatile boolean caughtUp;
    /** The bug the scheduler loop stopped on; null while it runs. */
    private volatile String stoppedBy;
    /** A fault the next tick throws, as a bug would (tests of the health endpoints). */
    private volatile RuntimeException injectedFault;

    private Coordinator(Properties clientProperties, Topics topics, Settings settings) {
        this.clientProperties = clientProperties;
        this.topics = topics;
        this.settings = settings;
        this.scheduler = new Scheduler(settings.aging(), settings.startTimeout(), settings.workerTimeout());
        this.producer = new KafkaProducer<>(producerProperties(clientProperties));
        this.notifier = new Notifier(settings.notifyPause());
        this.reader = new StateReader(clientProperties, topics, this::observe);
        this.loop = new Thread(this::schedule, "coordinator-scheduler");
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Starts reading the topics (which must exist) and scheduling.
     *
     * @throws IllegalStateException naming a topic that does not exist
     */
    public static Coordinator start(Properties clientProperties, Topics topics, Settings settings) {
        return new Coordinator(clientProperties, topics, settings);
    }

    public CoordinatorState state() {
        return state;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** Waits until everything written before the coordinator started has been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return reader.awaitCaughtUp(timeout);
    }

    private void observe(ConsumerRecord<String, byte[]> record, Optional<SpecificRecordBase> message) {
        Instant at = Instant.ofEpochMilli(record.timestamp());
        if (message.isEmpty()) {
            if (record.value() == null && record.topic().equals(topics.control()) && record.key() != null) {
                scheduler.withdrawn(record.key());
            }
            return;
        }
        SpecificRecordBase m = message.get();
        if (m instanceof ExperimentRequest request && RequestLimits.checkRunId(request.getRunId()).isPresent()) {
            // not a run at all: nothing to schedule, show or count (workers dead-letter such a dispatch)
            LOG.warn("ignoring a request on {} at offset {}: {}", record.topic(), record.offset(),
                    RequestLimits.checkRunId(request.getRunId()).get().message());
            return;
        }
        state.apply(m);
        if (m instanceof SweepSchedule schedule) {
            tpe.observe(schedule);
            if (schedule.getNotifyUrl() == null) {
                webhooks.remove(schedule.getSweepId());
            } else {
                webhooks.put(schedule.getSweepId(), URI.create(schedule.getNotifyUrl()));
            }
        } else if (m instanceof RunStatus status) {
            notifyOf(status);
        }
        if (record.topic().equals(topics.submissions()) && m instanceof ExperimentRequest request) {
            scheduler.submitted(request, at);
        } else if (record.topic().equals(topics.requests()) && m instanceof ExperimentRequest request) {
            scheduler.dispatched(request, at);
        } else {
            // liveness is judged on this coordinator's clock, not on the workers'
            scheduler.observe(m, Instant.now());
        }
    }

    /**
     * Tells the sweep's webhook when {@code status} ends a run with a failure that will not be retried, and when it is
     * the last of the sweep's runs to finish. Only what happens while the coordinator runs: the history it reads at
     * start was told to whoever ran then.
     */
    private void notifyOf(RunStatus status) {
        URI url = webhooks.get(status.getSweepId());
        if (url == null || !live()) {
            return;
        }
        RunRecord run = state.run(status.getRunId());
        String sweep = status.getSweepId();
        if (run != null && run.finished() && run.state() == RunState.FAILED
                && notified.add("run-failed " + run.runId() + " " + status.getAttempt())) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("event", "run_failed");
            event.put("sweep", sweep);
            event.put("run", run.runId());
            event.put("attempt", status.getAttempt());
            if (status.getFailure() != null) {
                event.put("kind", status.getFailure().getKind().name());
                event.put("message", status.getFailure().getMessage());
            }
            event.put("at", Instant.now().toString());
            notifier.offer(url, event);
        }
        List<RunRecord> runs = state.runs(sweep);
        if (!RunStates.ended(status.getState())) {
            notified.remove("sweep-finished " + sweep);
        } else if (runs.stream().allMatch(RunRecord::finished)) {
            if (notified.add("sweep-finished " + sweep)) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("event", "sweep_finished");
                event.put("sweep", sweep);
                event.put("runs", runs.size());
                Map<String, Long> byState = new TreeMap<>();
                runs.forEach(r -> byState.merge(r.state().name(), 1L, Long::sum));
                event.put("states", byState);
                RunLedger.byBestScore(runs).stream().filter(r -> !Double.isNaN(r.bestScore())).findFirst().ifPresent(best -> {
                    event.put("best_run", best.runId());
                    event.put("best_metric", best.metric());
                    event.put("best_score", best.bestScore());
                });
                event.put("at", Instant.now().toString());
                notifier.offer(url, event);
            }
        } else {
            notified.remove("sweep-finished " + sweep);
        }
    }

    private boolean live() {
        try {
            return reader.awaitCaughtUp(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Plans a sweep and submits the runs not yet submitted, on behalf of {@code caller} (the API's caller): what
     * {@code tunestream submit} does from a machine with Kafka access.
     *
     * @param definition the sweep as YAML or JSON text
     * @param priority the runs' priority instead of the sweep's, or null
     * @throws io.tunestream.coordinator.sweep.InvalidSweepException naming what is wrong; nothing is published then
     */
    public SweepSubmitter.Submission submit(String definition, Integer priority, String caller) {
        Sweep sweep = Sweep.parse(definition, "the submitted sweep");
        SweepPlanner.Submission planned = SweepPlanner.submission(sweep, definition, priority, Instant.now());
        SweepSubmitter.Submission submission = new SweepSubmitter(clientProperties, topics, Duration.ofSeconds(30))
                .submit(planned.schedule(), planned.runs());
        LOG.info("sweep {} submitted by {}: {} runs published, {} already submitted", sweep.name(), caller,
                submission.published().size(), submission.skipped().size());
        return submission;
    }

    /**
     * Cancels a run that has not finished, on behalf of {@code caller} (the API's caller): the same control record
     * {@code tunestream cancel} writes, its reason naming who asked, so the run's history says so.
     *
     * @return the run's state before, when it was cancelled
     * @throws IllegalArgumentException for an unknown run
     * @throws IllegalStateException for a finished run, or when Kafka did not take the record in time
     */
    public RunState cancel(String runId, String caller, String reason) {
        RunRecord run = state.run(runId);
        if (run.request() == null && run.status() == null) {
            throw new IllegalArgumentException("no run " + runId);
        }
        if (run.finished()) {
            throw new IllegalStateException(runId + " has already finished (" + run.state() + "): nothing to cancel");
        }
        String said = "cancelled by " + caller + (reason == null || reason.isBlank() ? "" : ": " + reason);
        ControlCommand command = ControlCommand.newBuilder().setRunId(runId).setAction(ControlAction.CANCEL)
                .setReason(said).setIssuedAt(Instant.now()).build();
        try {
            send(topics.control(), runId, command).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not take the cancel of " + runId + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while cancelling " + runId, e);
        }
        LOG.info("{} {}", runId, said);
        return run.state();
    }

    /** The webhook sender, for tests and metrics. */
    public Notifier notifier() {
        return notifier;
    }

    private void schedule() {
        try {
            while (!closed && !reader.awaitCaughtUp(Duration.ofMillis(200))) {
                // decisions wait for the whole history: a restarted coordinator must not dispatch a run twice
                lastTickNanos = System.nanoTime();
            }
            caughtUp = true;
            while (!closed) {
                lastTickNanos = System.nanoTime();
                RuntimeException fault = injectedFault;
                if (fault != null) {
                    throw fault;
                }
                List<Action> actions = scheduler.plan(Instant.now());
                for (Action action : actions) {
                    publish(action);
                }
                for (PlannedRun proposed : tpe.propose(state, Instant.now())) {
                    submit(proposed);
                }
                Thread.sleep(settings.tick().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            stoppedBy = e.toString();
            LOG.error("the scheduler stopped on a bug; runs are no longer dispatched", e);
        }
    }

    /**
     * Alive: the scheduler loop goes round. Not alive once it has stopped on a bug (the process would otherwise look
     * healthy while dispatching nothing) or when it has not gone round for {@link #STALL} or 20 ticks, whichever is
     * longer.
     */
    public Health liveness() {
        if (stoppedBy != null) {
            return Health.down("the scheduler stopped on a bug (" + stoppedBy + "); runs are no longer dispatched");
        }
        if (closed || !loop.isAlive()) {
            return Health.down("the scheduler is not running");
        }
        long silentMillis = (System.nanoTime() - lastTickNanos) / 1_000_000;
        long limit = Math.max(STALL.toMillis(), 20 * settings.tick().toMillis());
        if (silentMillis > limit) {
            return Health.down("the scheduler has not gone round for " + silentMillis / 1000 + " s");
        }
        return Health.up(caughtUp ? "scheduling" : "reading the topics' history");
    }

    /** Ready: alive, and caught up with the topics, so what it serves and decides is the whole history. */
    public Health readiness() {
        Health live = liveness();
        if (!live.up()) {
            return live;
        }
        return caughtUp ? Health.up("scheduling; " + state.runs(null).size() + " runs known")
                : Health.down("reading the topics' history");
    }

    /** Makes the next tick of the scheduler loop throw {@code fault}, as a bug would: for tests of the health endpoints. */
    public void injectSchedulerFault(RuntimeException fault) {
        injectedFault = fault;
    }

    private void publish(Action action) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        if (action instanceof Action.Dispatch d) {
            LOG.info("dispatching {} (priority {})", d.runId(), d.request().getPriority());
            sends.add(send(topics.requests(), d.runId(), d.request()));
        } else if (action instanceof Action.Requeue r) {
            LOG.info("queueing {} again: {}", r.runId(), r.queued().getReason());
            // the status first: the worker that takes the later dispatch must find the run queued, not failed
            sends.add(send(topics.status(), r.runId(), r.queued()));
            sends.add(send(topics.submissions(), r.runId(), r.request()));
        } else if (action instanceof Action.Order o) {
            LOG.info("ordering {} to {}: {}", o.runId(), o.command().getAction(), o.command().getReason());
            sends.add(send(topics.control(), o.runId(), o.command()));
        } else if (action instanceof Action.Conclude c) {
            LOG.info("{} ends {}: {}", c.runId(), c.status().getState(),
                    c.status().getFailure() != null ? c.status().getFailure().getMessage() : c.status().getReason());
            sends.add(send(topics.status(), c.runId(), c.status()));
        } else if (action instanceof Action.Reject r) {
            String why = r.failed().getFailure().getMessage();
            LOG.warn("{} cannot run: {}", r.runId(), why);
            sends.add(send(topics.status(), r.runId(), r.failed()));
            sends.add(deadLetter(r.request(), r.failed().getFailure().getField(), why));
        }
        try {
            for (Future<RecordMetadata> sent : sends) {
                // a little past the producer's own delivery timeout, so that a late success is not mistaken for a failure
                sent.get(PUBLISH_TIMEOUT.toMillis() + 2000, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("could not publish the decision about {} ({}); it will be taken again", action.runId(), e.toString());
            scheduler.undo(action);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.undo(action);
        }
    }

    /** A run the coordinator plans itself (TPE): QUEUED, then submitted, as `submit` publishes a sweep's runs. */
    private void submit(PlannedRun run) {
        RunStatus queued = RunStatus.newBuilder().setRunId(run.runId()).setSweepId(run.request().getSweepId())
                .setState(RunState.QUEUED).setAttempt(0).setUpdatedAt(Instant.now()).build();
        List<Future<RecordMetadata>> sends = List.of(send(topics.status(), run.runId(), queued),
                send(topics.submissions(), run.runId(), run.request()));
        try {
            for (Future<RecordMetadata> sent : sends) {
                sent.get(PUBLISH_TIMEOUT.toMillis() + 2000, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("could not submit {} ({}); it will be proposed again", run.runId(), e.toString());
            tpe.unsubmitted(run.runId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tpe.unsubmitted(run.runId());
        }
    }

    /** A submission that cannot run, as {@link DeadLetters} shapes it. */
    private Future<RecordMetadata> deadLetter(ExperimentRequest request, String field, String reason) {
        try {
            return producer.send(DeadLetters.record(topics.deadLetter(), request.getRunId(),
                    MessageCodec.get().encode(request), topics.submissions(), field, reason));
        } catch (org.apache.kafka.common.KafkaException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private Future<RecordMetadata> send(String topic, String key, SpecificRecordBase message) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, MessageCodec.get().encode(message)));
        } catch (org.apache.kafka.common.KafkaException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private static Properties producerProperties(Properties clientProperties) {
        Properties props = KafkaClientProperties.reliableProducer(clientProperties);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(PUBLISH_TIMEOUT.toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return props;
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reader.close();
        notifier.close();
        producer.close(Duration.ofSeconds(2));
    }
}
