package io.tunestream.worker.service;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.MessageFormatException;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.schemas.WorkerHeartbeat;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.metrics.KafkaClientMeters;
import io.tunestream.worker.metrics.RunLabels;
import io.tunestream.worker.metrics.WorkerMetrics;
import io.tunestream.worker.model.MklShim;
import io.tunestream.worker.model.NativeAllocator;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.queue.Delivery;
import io.tunestream.worker.queue.GroupRequestQueue;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.queue.RequestQueue;
import io.tunestream.worker.queue.ShareRequestQueue;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.TrainingListener;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: takes one request at a time from the requests topic, trains it on its own thread while this thread
 * keeps the request's lock, streams metrics and status, and settles the request only after the run's terminal
 * status is on the broker. Bad input never stops it: an undecodable or invalid request ends FAILED with a reason
 * and goes to the dead-letter topic.
 *
 * <p>Life cycle: {@link #run} on a thread of the caller's; {@link #shutdown} from any thread (a signal handler)
 * finishes the current step, checkpoints, hands the run back and returns from {@link #run}.
 */
public final class Worker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** How long a terminal status may take to reach the broker before the request is left for redelivery. */
    private static final Duration STATUS_PATIENCE = Duration.ofMinutes(10);

    private final WorkerConfig config;
    private final Clock clock;
    private final WorkerMetrics metrics;
    private final AdapterRegistry registry = AdapterRegistry.standard();
    private final ModelCatalog models;
    private final DatasetCatalog datasets;
    private final RequestMapper mapper;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Instant startedAt;
    private volatile boolean stopping;
    private volatile RequestQueue queue;
    private volatile String currentRun;
    private volatile RunReporter currentReporter;
    private final AtomicReference<AtomicReference<StopReason>> currentStop = new AtomicReference<>();
    private volatile PublishingCost lastPublishingCost;

    /** A worker whose meters no one reads (tests, embedded use). */
    public Worker(WorkerConfig config) {
        this(config, new SimpleMeterRegistry());
    }

    /** A worker that records its meters in {@code registry} (a Prometheus registry the metrics endpoint serves). */
    public Worker(WorkerConfig config, MeterRegistry meterRegistry) {
        this(config, new WorkerMetrics(meterRegistry, config.workerId()));
    }

    /** A worker that records in {@code metrics} (for a grace period of finished runs' series other than the default). */
    public Worker(WorkerConfig config, WorkerMetrics metrics) {
        this(config, metrics, Clock.systemUTC());
    }

    Worker(WorkerConfig config, WorkerMetrics metrics, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.models = ModelCatalog.confinedTo(config.modelRoots());
        this.datasets = new DatasetCatalog(config.dataDirectory());
        this.mapper = new RequestMapper(registry, models);
        this.startedAt = clock.instant();
    }

    public WorkerConfig config() {
        return config;
    }

    @Override
    public void run() {
        try {
            Files.createDirectories(config.checkpointStore());
        } catch (java.io.IOException e) {
            finished.countDown();
            throw new IllegalArgumentException("cannot create the checkpoint store " + config.checkpointStore() + ": " + e.getMessage(), e);
        }
        String id = config.workerId();
        ExecutorService training = Executors.newSingleThreadExecutor(r -> daemon(r, id + "-training"));
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, id + "-heartbeat"));
        try (KafkaClientMeters clientMeters = metrics.kafkaClients();
                EventPublisher publisher = new EventPublisher(config.baseClientProperties(), config.topics(), id);
                ClusterView view = new ClusterView(config.baseClientProperties(), config.topics(), id + "-view");
                RequestQueue requests = openQueue()) {
            queue = requests;
            publisher.bindMetrics(clientMeters);
            view.bindMetrics(clientMeters);
            requests.bindMetrics(clientMeters);
            metrics.watchFailedRecords(publisher::failedRecords);
            long every = config.heartbeatInterval().toMillis();
            heartbeats.scheduleAtFixedRate(() -> heartbeat(publisher), 0, every, TimeUnit.MILLISECONDS);
            LOG.info("worker {} serving {} ({} mode, group {})", id, config.topics().requests(),
                    config.queueMode().id(), config.groupId());
            if (MklShim.degraded()) {
                LOG.warn(MklShim.describe());
            } else {
                LOG.info(MklShim.describe());
            }
            LOG.info(NativeAllocator.describe());
            while (!stopping) {
                Optional<Delivery> delivery = requests.next(config.pollTimeout());
                if (delivery.isPresent()) {
                    try {
                        handle(delivery.get(), requests, publisher, view, training);
                    } catch (RuntimeException e) {
                        // a bug of ours must not stop the worker; the request is redelivered after its lock lapses
                        LOG.error("unexpected failure handling {}", delivery.get().coordinates(), e);
                    }
                }
            }
            heartbeats.shutdownNow();
            heartbeat(publisher);
            publisher.flush();
        } finally {
            heartbeats.shutdownNow();
            training.shutdownNow();
            queue = null;
            finished.countDown();
            LOG.info("worker {} stopped", id);
        }
    }

    /** Asks the worker to stop: the current run checkpoints after its current step and is handed back. */
    public void shutdown() {
        stopping = true;
        AtomicReference<StopReason> stop = currentStop.get();
        if (stop != null) {
            stop.compareAndSet(null, StopReason.SHUTDOWN);
        }
        RequestQueue q = queue;
        if (q != null) {
            q.wakeup();
        }
    }

    /** What publishing cost the training thread in the last run this worker trained, if any. */
    public Optional<PublishingCost> lastPublishingCost() {
        return Optional.ofNullable(lastPublishingCost);
    }

    /** Waits for {@link #run} to return after {@link #shutdown}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private RequestQueue openQueue() {
        String topic = config.topics().requests();
        return config.queueMode() == QueueMode.SHARE
                ? new ShareRequestQueue(config.baseClientProperties(), config.groupId(), topic)
                : new GroupRequestQueue(config.baseClientProperties(), config.groupId(), topic);
    }

    private void handle(Delivery delivery, RequestQueue requests, EventPublisher publisher, ClusterView view,
            ExecutorService training) {
        ExperimentRequest request;
        try {
            request = MessageCodec.get().decode(delivery.value(), ExperimentRequest.class);
        } catch (MessageFormatException e) {
            poison(delivery, requests, publisher, null, e.getMessage());
            return;
        }
        String runId = request.getRunId();
        try {
            RequestMapper.checkRunId(runId);
        } catch (InvalidRequestException e) {
            poison(delivery, requests, publisher, e.field(), e.getMessage());
            return;
        }
        // keeping the request meanwhile: a classic group evicts a member that stops polling
        if (!view.catchUp(Duration.ofSeconds(10), () -> requests.hold(delivery, Duration.ofMillis(50)))) {
            LOG.warn("run {}: could not read the latest statuses; deciding on what is known", runId);
        }
        Optional<RunStatus> previous = view.status(runId);
        if (previous.isPresent() && RunStates.ended(previous.get().getState())) {
            LOG.info("run {} already ended {}; acknowledging its redelivery without training", runId, previous.get().getState());
            requests.complete(delivery);
            return;
        }
        int attempt = previous.map(RunStatus::getAttempt).orElse(0) + 1;
        // an attempt that never said how it ended lost its worker (killed, or cut off from Kafka past its lock)
        boolean previousLost = previous.map(p -> p.getState() == RunState.STARTING || p.getState() == RunState.RUNNING).orElse(false);
        int failedAttempts = previous.map(RunStatus::getFailedAttempts).orElse(0) + (previousLost ? 1 : 0);
        RunReporter reporter = new RunReporter(publisher, request, attempt, failedAttempts, config.workerId(),
                config.statusInterval(), clock);
        Optional<ControlCommand> order = view.order(runId);
        if (order.isPresent()) {
            String reason = order.get().getReason() == null ? "cancelled" : order.get().getReason();
            LOG.info("run {} was ordered to {} before it started: {}", runId, order.get().getAction(), reason);
            settle(delivery, requests, reporter.cancelled(reason), requests::complete);
            return;
        }
        if (failedAttempts >= request.getMaxAttempts()) {
            String message = failedAttempts + " attempts lost to infrastructure (the last on worker "
                    + previous.map(RunStatus::getWorkerId).orElse("?") + "); maxAttempts is " + request.getMaxAttempts();
            LOG.warn("run {} given up: {}", runId, message);
            settle(delivery, requests, reporter.gaveUp(message), requests::complete);
            return;
        }
        LOG.info("run {} attempt {} starting ({}, delivery {})", runId, attempt, request.getMethod(), delivery.coordinates());
        reporter.publish(RunState.STARTING);
        metrics.runStarted(RunLabels.of(request));
        AtomicReference<StopReason> stop = new AtomicReference<>(stopping ? StopReason.SHUTDOWN : null);
        currentStop.set(stop);
        currentRun = runId;
        currentReporter = reporter;
        RunOutcome outcome;
        try {
            TrainingListener listener = TrainingListener.all(reporter, new TrainingListener() {
                @Override
                public void onStep(StepMetrics step) {
                    metrics.step(step);
                }

                @Override
                public void onEvaluation(EvalMetrics evaluation) {
                    metrics.evaluation(evaluation);
                }
            });
            Future<RunOutcome> running = training.submit(new RunExecution(request, listener, mapper, registry,
                    models, datasets, config.checkpointStore(), stop, view));
            outcome = await(running, delivery, requests, stop);
        } finally {
            currentStop.set(null);
            currentRun = null;
            currentReporter = null;
        }
        metrics.runEnded(outcomeName(outcome));
        lastPublishingCost = reporter.publishingCost();
        LOG.info("run {}: publishing metrics cost {}", runId, lastPublishingCost);
        if (outcome instanceof RunOutcome.Succeeded s) {
            LOG.info("run {} succeeded: best dev accuracy {} at step {}", runId, s.summary().bestAccuracy(), s.summary().bestStep());
            settle(delivery, requests, reporter.succeeded(s.summary()), requests::complete);
        } else if (outcome instanceof RunOutcome.Failed f && f.kind() == FailureKind.BAD_REQUEST) {
            LOG.warn("run {} rejected: {}", runId, f.message());
            publisher.deadLetter(delivery.key(), delivery.value(), delivery.coordinates(), f.field(), f.message());
            settle(delivery, requests, reporter.failed(f.kind(), f.field(), f.message()), requests::reject);
        } else if (outcome instanceof RunOutcome.Failed f) {
            LOG.warn("run {} failed ({}): {}", runId, f.kind(), f.message());
            settle(delivery, requests, reporter.failed(f.kind(), f.field(), f.message()), requests::complete);
        } else if (outcome instanceof RunOutcome.Stopped st) {
            LOG.info("run {} stopped early at step {}: {}", runId, st.summary().steps(), st.reason());
            settle(delivery, requests, reporter.stopped(st.summary(), st.reason()), requests::complete);
        } else if (outcome instanceof RunOutcome.Cancelled c) {
            LOG.info("run {} cancelled at step {}", runId, c.step());
            settle(delivery, requests, reporter.cancelled(view.order(runId).map(ControlCommand::getReason).orElse(null)),
                    requests::complete);
        } else if (outcome instanceof RunOutcome.HandedBack h) {
            LOG.info("run {} handed back at step {} (checkpointed)", runId, h.step());
            EventPublisher.await(reporter.publish(RunState.QUEUED), Duration.ofSeconds(5), () -> {});
            requests.release(delivery);
        } else if (outcome instanceof RunOutcome.Abandoned a) {
            LOG.warn("run {} abandoned at step {}: its lock was lost", runId, a.step());
            // nothing to hand back any more; this only lets go of the record here
            requests.release(delivery);
        }
    }

    /**
     * Waits for the training thread while keeping the request's lock: the hold itself waits (polling) up to the
     * hold interval, so a renewed record is taken back as soon as it arrives. A shutdown or a lost lock is passed on
     * to the training thread, which stops after its current step.
     */
    private RunOutcome await(Future<RunOutcome> running, Delivery delivery, RequestQueue requests,
            AtomicReference<StopReason> stop) {
        while (!running.isDone()) {
            if (!requests.hold(delivery, config.holdInterval())) {
                stop.compareAndSet(null, StopReason.LOCK_LOST);
            }
            if (stopping) {
                stop.compareAndSet(null, StopReason.SHUTDOWN);
            }
        }
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RunOutcome.Failed(FailureKind.INFRASTRUCTURE, null, "interrupted");
        } catch (ExecutionException e) {
            // RunExecution turns every failure into an outcome; an Error escaping it is this worker's fault
            return new RunOutcome.Failed(FailureKind.INFRASTRUCTURE, null, e.getCause().toString());
        }
    }

    /** Publishes the terminal status, keeps the lock until the broker has it, then settles the request. */
    private void settle(Delivery delivery, RequestQueue requests, Future<RecordMetadata> status,
            java.util.function.Consumer<Delivery> settlement) {
        if (EventPublisher.await(status, STATUS_PATIENCE, () -> requests.hold(delivery, Duration.ofMillis(100)))) {
            settlement.accept(delivery);
        } else {
            LOG.warn("the status of {} did not reach the broker; leaving the request for redelivery", delivery.coordinates());
            requests.release(delivery);
        }
    }

    /**
     * A record that is not a request at all: dead-lettered, FAILED under its key when the key is a usable run id,
     * and rejected so that it is never delivered again.
     */
    private void poison(Delivery delivery, RequestQueue requests, EventPublisher publisher, String field, String reason) {
        LOG.warn("poison record {}: {}", delivery.coordinates(), reason);
        publisher.deadLetter(delivery.key(), delivery.value(), delivery.coordinates(), field, reason);
        String key = delivery.key();
        boolean usableKey;
        try {
            RequestMapper.checkRunId(key);
            usableKey = true;
        } catch (InvalidRequestException e) {
            usableKey = false;
        }
        if (!usableKey) {
            requests.reject(delivery);
            return;
        }
        ExperimentRequest placeholder = ExperimentRequest.newBuilder().setRunId(key).setMethod(AdapterMethodId.unknown)
                .setAdapter(AdapterSettings.newBuilder().build()).setTraining(TrainingSettings.newBuilder().build())
                .setSubmittedAt(clock.instant()).build();
        RunReporter reporter = new RunReporter(publisher, placeholder, 1, 0, config.workerId(), config.statusInterval(), clock);
        settle(delivery, requests, reporter.failed(FailureKind.BAD_REQUEST, field, reason), requests::reject);
    }

    private void heartbeat(EventPublisher publisher) {
        try {
            String run = currentRun;
            RunReporter reporter = currentReporter;
            publisher.heartbeat(config.workerId(), WorkerHeartbeat.newBuilder()
                    .setWorkerId(config.workerId()).setHost(hostName()).setQueueMode(config.queueMode().id())
                    .setBusy(run != null).setRunId(run).setStep(reporter == null ? null : reporter.step())
                    .setStartedAt(startedAt).setTimestamp(clock.instant())
                    .setIntervalMillis(config.heartbeatInterval().toMillis()).build());
            metrics.heartbeatSent();
        } catch (RuntimeException e) {
            LOG.warn("heartbeat not sent: {}", e.toString());
        }
    }

    private static String outcomeName(RunOutcome outcome) {
        if (outcome instanceof RunOutcome.Succeeded) {
            return "succeeded";
        } else if (outcome instanceof RunOutcome.Failed f) {
            return "failed_" + f.kind().name().toLowerCase(java.util.Locale.ROOT);
        } else if (outcome instanceof RunOutcome.Stopped) {
            return "stopped";
        } else if (outcome instanceof RunOutcome.Cancelled) {
            return "cancelled";
        } else if (outcome instanceof RunOutcome.HandedBack) {
            return "handed_back";
        }
        return "abandoned";
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
