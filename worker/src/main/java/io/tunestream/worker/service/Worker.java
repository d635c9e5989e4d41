package io.tunestream.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tunestream.schemas.CheckpointRetention;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.Health;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.MessageFormatException;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.WorkerHeartbeat;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.host.HostLoad;
import io.tunestream.worker.host.TrainingThreads;
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
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.RunLease;
import io.tunestream.worker.store.CheckpointStore;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.train.DeviceMemory;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: takes one request at a time from the requests topic, claims its run (docs/worker.md, "Claims"),
 * settles the request and leaves the group, trains the run on its own thread, and streams metrics and status. An
 * attempt that a newer one supersedes stops and writes nothing more. Bad input never stops it: a record that is not
 * a request goes to the dead-letter topic; a request that cannot run ends FAILED naming the field, and goes there too.
 *
 * <p>Life cycle: {@link #run} on a thread of the caller's; {@link #shutdown} from any thread (a signal handler)
 * finishes the current step (or stops preparing), checkpoints, hands the run back (QUEUED, for the coordinator to
 * dispatch again) and returns from {@link #run}.
 */
public final class Worker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** How long a terminal status may take to reach the broker before the worker moves on (the producer retries on). */
    private static final Duration STATUS_PATIENCE = Duration.ofMinutes(10);
    /** How long the status topic may take to be read up to now before a decision about a request. */
    private static final Duration CATCH_UP_PATIENCE = Duration.ofSeconds(10);
    /** How long a claim (STARTING) may take to reach the broker. */
    private static final Duration CLAIM_PATIENCE = Duration.ofSeconds(10);
    /** A hand-back's QUEUED status must reach the broker within the shutdown grace. */
    private static final Duration HAND_BACK_PATIENCE = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Clock clock;
    private final WorkerMetrics metrics;
    private final AdapterRegistry registry = AdapterRegistry.standard();
    private final ModelCatalog models;
    private final DatasetCatalog datasets;
    private final ComputeDevice device;
    /** The most GPU memory in use at any heartbeat of the current run; null on the CPU or between runs. */
    private volatile Long deviceMemoryPeak;
    private volatile String peakRun;
    private final RequestMapper mapper;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Instant startedAt;
    private volatile boolean stopping;
    private volatile RequestQueue queue;
    /** Opened when the worker starts serving. */
    private volatile CheckpointStore store;
    /** The key, in a run's status artifacts, of where its files are in the checkpoint store. */
    static final String RUN_ARTIFACT = "run";
    private volatile String currentRun;
    private volatile RunReporter currentReporter;
    private final AtomicReference<AtomicReference<StopReason>> currentStop = new AtomicReference<>();
    private volatile PublishingCost lastPublishingCost;
    private volatile DeviceMemory deviceMemory = DeviceMemory.ENGINE;
    private volatile Consumer<Boolean> busyListener = busy -> { };
    /** The host's runnable threads over the last 6 heartbeats of a run (30 s by default). */
    private final HostLoad hostLoad = new HostLoad(6);
    /** The run whose host was found oversubscribed and said so: once per run. */
    private volatile String oversubscribedRun;
    /** When the request loop last polled (0: not yet), the heartbeat loop last ran, the current run last moved. */
    private volatile long lastPollNanos;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    private volatile long lastProgressNanos = System.nanoTime();

    /** How long a run may go without a step, an evaluation or a checkpoint before the worker counts as stuck. */
    public static final Duration TRAINING_STALL = Duration.ofMinutes(15);

    /** This worker's runs taking micro-batch memory through {@code memory} (tests limit memory this way). */
    public Worker withDeviceMemory(DeviceMemory memory) {
        this.deviceMemory = memory;
        return this;
    }

    /**
     * This worker telling {@code listener} when it starts a run (true) and when the run has left it (false): how a
     * worker in Kubernetes keeps its pod-deletion cost up to date ({@link io.tunestream.worker.host.PodDeletionCost}).
     */
    public Worker onBusyChange(Consumer<Boolean> listener) {
        this.busyListener = listener;
        return this;
    }

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
        this.device = ComputeDevice.parse(config.device());
        metrics.device(device);
        this.mapper = new RequestMapper(registry, models, datasets);
        this.startedAt = clock.instant();
    }

    public WorkerConfig config() {
        return config;
    }

    @Override
    public void run() {
        CheckpointStore store;
        try {
            store = CheckpointStore.open(config.checkpointStore());
            store.check();
        } catch (RuntimeException e) {
            finished.countDown();
            throw e;
        }
        this.store = store;
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
                lastPollNanos = System.nanoTime();
                if (delivery.isPresent()) {
                    try {
                        handle(delivery.get(), requests, publisher, view, training);
                    } catch (RuntimeException e) {
                        // a bug of ours must not stop the worker; the coordinator dispatches an unstarted run again
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
            awaitTrainingThread(training);
            store.close();
            queue = null;
            finished.countDown();
            LOG.info("worker {} stopped", id);
        }
    }

    /**
     * The training thread runs native code: the process must not exit under it (a JVM leaving while libtorch works
     * crashes it). Every run has returned by now; this waits for the thread itself.
     */
    private static void awaitTrainingThread(ExecutorService training) {
        try {
            if (!training.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("the training thread did not end within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Started: the worker has joined the queue and polled it once. */
    public Health startup() {
        return lastPollNanos != 0 ? Health.up("serving " + config.topics().requests())
                : Health.down("starting: connecting to Kafka and joining the queue");
    }

    /**
     * Alive: the heartbeat loop runs (within three intervals and 10 s), and a run in training moves (a step, an
     * evaluation or a checkpoint within {@link #TRAINING_STALL}).
     */
    public Health liveness() {
        if (finished.getCount() == 0) {
            return Health.down("stopped");
        }
        long heartbeatSilence = System.nanoTime() - lastHeartbeatNanos;
        if (lastPollNanos != 0 && heartbeatSilence > 3 * config.heartbeatInterval().toNanos() + 10_000_000_000L) {
            return Health.down("the heartbeat loop has not run for " + heartbeatSilence / 1_000_000_000L + " s");
        }
        String run = currentRun;
        long still = System.nanoTime() - lastProgressNanos;
        if (run != null && still > TRAINING_STALL.toNanos()) {
            return Health.down("run " + run + " has not moved for " + still / 60_000_000_000L + " min");
        }
        return Health.up(run != null ? "training " + run : lastPollNanos == 0 ? "starting" : "idle");
    }

    /** Ready: started and alive, and either training or polling the queue (within 30 s or ten poll timeouts). */
    public Health readiness() {
        Health started = startup();
        if (!started.up()) {
            return started;
        }
        Health live = liveness();
        if (!live.up()) {
            return live;
        }
        String run = currentRun;
        long sincePoll = System.nanoTime() - lastPollNanos;
        if (run == null && sincePoll > Math.max(30_000_000_000L, 10 * config.pollTimeout().toNanos())) {
            return Health.down("has not polled the queue for " + sincePoll / 1_000_000_000L + " s");
        }
        return Health.up(run != null ? "training " + run : "polling " + config.topics().requests());
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
            request = decode(delivery);
        } catch (InvalidRequestException e) {
            poison(delivery, requests, publisher, e.field(), e.getMessage());
            return;
        }
        String runId = request.getRunId();
        if (!view.catchUp(CATCH_UP_PATIENCE)) {
            LOG.warn("run {}: could not read the latest statuses within {} s; handing the request back",
                    runId, CATCH_UP_PATIENCE.toSeconds());
            requests.release(delivery);
            return;
        }
        Optional<RunStatus> latest = view.status(runId);
        if (latest.isPresent() && RunStates.ended(latest.get().getState())) {
            LOG.info("run {} already ended {}; settling a late delivery ({}) without a run", runId,
                    latest.get().getState(), delivery.coordinates());
            requests.complete(delivery);
            return;
        }
        Optional<ClusterView.Claim> claim = view.claim(runId);
        int latestAttempt = Math.max(latest.map(RunStatus::getAttempt).orElse(0), claim.map(ClusterView.Claim::attempt).orElse(0));
        boolean inProgress = latest.map(s -> s.getState() == RunState.STARTING || s.getState() == RunState.RUNNING).orElse(false);
        // the coordinator numbers its dispatches; a request published without one takes the next attempt, unless its
        // run is in progress (only the coordinator decides that an attempt was lost)
        int attempt = request.getAttempt() > 0 ? request.getAttempt() : inProgress ? latestAttempt : latestAttempt + 1;
        if (claim.isPresent() && claim.get().attempt() >= attempt) {
            LOG.info("run {}: attempt {} is already claimed by {} (attempt {}); settling the duplicate delivery {} without a run",
                    runId, attempt, claim.get().workerId(), claim.get().attempt(), delivery.coordinates());
            requests.complete(delivery);
            return;
        }
        if (stopping) {
            requests.release(delivery);
            return;
        }
        int failedAttempts = latest.map(RunStatus::getFailedAttempts).orElse(0);
        RunReporter reporter = new RunReporter(publisher, request, attempt, failedAttempts, config.workerId(),
                device.id(), config.statusInterval(), clock);
        if (!claimed(runId, attempt, reporter, view)) {
            requests.complete(delivery);
            return;
        }
        // the run is this worker's: the request is done with, and the coordinator owns the run from here on
        RequestQueue.Settlement settled = requests.complete(delivery);
        if (!settled.confirmed()) {
            LOG.warn("run {}: the broker did not take the request's acknowledgement ({}); a redelivery will find the claim",
                    runId, settled.error());
        }
        requests.leave();
        RunStore runStore = store.run(runId);
        // the attempt owns the run while its claim is the newest, the run has not been ended for it (the coordinator
        // fails an attempt it stopped hearing from), and the run directory names no newer attempt
        RunLease lease = () -> view.claim(runId).map(c -> c.heldBy(attempt, config.workerId())).orElse(false)
                && view.status(runId).map(s -> !RunStates.ended(s.getState())).orElse(true)
                && runStore.ownedBy(attempt);
        Optional<ControlCommand> order = view.order(runId);
        if (order.isPresent()) {
            String reason = order.get().getReason() == null ? "cancelled" : order.get().getReason();
            LOG.info("run {} was ordered to {} before it started: {}", runId, order.get().getAction(), reason);
            conclude(runId, lease, () -> reporter.cancelled(reason));
            return;
        }
        if (failedAttempts >= request.getMaxAttempts()) {
            String message = failedAttempts + " attempts lost to infrastructure (the last on worker "
                    + latest.map(RunStatus::getWorkerId).orElse("?") + "); maxAttempts is " + request.getMaxAttempts();
            LOG.warn("run {} given up: {}", runId, message);
            conclude(runId, lease, () -> reporter.gaveUp(message));
            return;
        }
        try {
            runStore.takeOver(attempt);
        } catch (UncheckedIOException e) {
            LOG.warn("run {}: {}", runId, e.getMessage());
            conclude(runId, lease, () -> reporter.failed(FailureKind.INFRASTRUCTURE, null, e.getMessage()));
            return;
        }
        reporter.artifact(RUN_ARTIFACT, runStore.location());
        LOG.info("run {} attempt {} starting ({}, delivery {})", runId, attempt, request.getMethod(), delivery.coordinates());
        metrics.runStarted(RunLabels.of(request));
        busyListener.accept(true);
        AtomicReference<StopReason> stop = new AtomicReference<>(stopping ? StopReason.SHUTDOWN : null);
        currentStop.set(stop);
        currentRun = runId;
        currentReporter = reporter;
        RunOutcome outcome;
        try {
            lastProgressNanos = System.nanoTime();
            TrainingListener listener = TrainingListener.all(reporter, new TrainingListener() {
                @Override
                public void onPrepared(TrainingConfig prepared, Lineage lineage) {
                    lastProgressNanos = System.nanoTime();
                }

                @Override
                public void onStep(StepMetrics step) {
                    lastProgressNanos = System.nanoTime();
                    metrics.step(step);
                }

                @Override
                public void onEvaluation(EvalMetrics evaluation) {
                    lastProgressNanos = System.nanoTime();
                    metrics.evaluation(evaluation);
                }

                @Override
                public void onCheckpoint(long step) {
                    lastProgressNanos = System.nanoTime();
                }

                @Override
                public void onCheckpointNotCommitted(long step, String reason) {
                    LOG.warn("run {}: the checkpoint of step {} is not committed, training goes on: {}", runId, step, reason);
                    metrics.checkpointNotCommitted();
                }

                @Override
                public void onMicroBatch(long step, int from, int to, String reason) {
                    metrics.memoryRecovered();
                }
            });
            Future<RunOutcome> running = training.submit(new RunExecution(request, listener, mapper, registry,
                    models, datasets, runStore, stop, view, lease, deviceMemory, device));
            outcome = await(running, stop);
        } finally {
            currentStop.set(null);
            currentRun = null;
            currentReporter = null;
        }
        metrics.runEnded(outcomeName(outcome));
        busyListener.accept(false);
        lastPublishingCost = reporter.publishingCost();
        LOG.info("run {}: publishing metrics cost {}", runId, lastPublishingCost);
        if (outcome instanceof RunOutcome.Succeeded s) {
            LOG.info("run {} succeeded: best dev {} {} at step {}", runId, s.summary().metric(), s.summary().bestScore(),
                    s.summary().bestStep());
            if (conclude(runId, lease, () -> reporter.succeeded(s.summary()))) {
                retain(runId, runStore, request.getKeepCheckpoints());
            }
        } else if (outcome instanceof RunOutcome.Failed f && f.kind() == FailureKind.BAD_REQUEST) {
            LOG.warn("run {} rejected: {}", runId, f.message());
            publisher.deadLetter(delivery.key(), delivery.value(), delivery.coordinates(), f.field(), f.message());
            conclude(runId, lease, () -> reporter.failed(f.kind(), f.field(), f.message()));
        } else if (outcome instanceof RunOutcome.Failed f) {
            LOG.warn("run {} failed ({}): {}", runId, f.kind(), f.message());
            conclude(runId, lease, () -> reporter.failed(f.kind(), f.field(), f.message()));
        } else if (outcome instanceof RunOutcome.Stopped st) {
            LOG.info("run {} stopped early at step {}: {}", runId, st.summary().steps(), st.reason());
            if (conclude(runId, lease, () -> reporter.stopped(st.summary(), st.reason()))) {
                retain(runId, runStore, request.getKeepCheckpoints());
            }
        } else if (outcome instanceof RunOutcome.Cancelled c) {
            LOG.info("run {} cancelled at step {}", runId, c.step());
            conclude(runId, lease, () -> reporter.cancelled(view.order(runId).map(ControlCommand::getReason).orElse(null)));
        } else if (outcome instanceof RunOutcome.HandedBack h) {
            LOG.info("run {} handed back at step {} (checkpointed); the coordinator dispatches it again", runId, h.step());
            if (lease.held()) {
                EventPublisher.await(reporter.publish(RunState.QUEUED), HAND_BACK_PATIENCE);
            }
        } else if (outcome instanceof RunOutcome.Superseded) {
            LOG.warn("run {} attempt {} stopped: a newer attempt owns the run", runId, attempt);
        }
    }

    /**
     * The record's bytes as a request whose run id can name a run.
     *
     * @throws InvalidRequestException for a record that is not one (the field at fault, or null for the whole record)
     */
    private static ExperimentRequest decode(Delivery delivery) {
        if (delivery.value() == null) {
            throw new InvalidRequestException(null, "an empty record (a tombstone) is not a request");
        }
        RequestLimits.checkSize(delivery.value().length).ifPresent(v -> {
            throw new InvalidRequestException(v.field(), v.message());
        });
        ExperimentRequest request;
        try {
            request = MessageCodec.get().decode(delivery.value(), ExperimentRequest.class);
        } catch (MessageFormatException e) {
            throw new InvalidRequestException(null, e.getMessage());
        }
        RequestMapper.checkRunId(request.getRunId());
        if (delivery.key() != null && !delivery.key().equals(request.getRunId())) {
            throw new InvalidRequestException("runId", "the record's key " + RequestLimits.quote(delivery.key())
                    + " is not its runId " + RequestLimits.quote(request.getRunId()));
        }
        return request;
    }

    /**
     * Claims {@code attempt} of the run: publishes STARTING and reads the status topic up to it. The first STARTING
     * of an attempt on the topic wins, so of two workers given the same request at once exactly one goes on.
     */
    private boolean claimed(String runId, int attempt, RunReporter reporter, ClusterView view) {
        if (!EventPublisher.await(reporter.publish(RunState.STARTING), CLAIM_PATIENCE)
                || !view.catchUp(CATCH_UP_PATIENCE)) {
            LOG.warn("run {}: could not confirm the claim on attempt {}; leaving the run to the coordinator", runId, attempt);
            return false;
        }
        Optional<ClusterView.Claim> winner = view.claim(runId);
        if (winner.isEmpty() || !winner.get().heldBy(attempt, config.workerId())) {
            LOG.info("run {}: {} claimed attempt {} first; backing off", runId,
                    winner.map(ClusterView.Claim::workerId).orElse("another worker"), attempt);
            return false;
        }
        return true;
    }

    /**
     * Waits for the training thread, passing a shutdown on to it: it stops after its current step (or at once while
     * it prepares), checkpoints and returns.
     */
    private RunOutcome await(Future<RunOutcome> running, AtomicReference<StopReason> stop) {
        while (true) {
            if (stopping) {
                stop.compareAndSet(null, StopReason.SHUTDOWN);
            }
            try {
                return running.get(config.runCheckInterval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still training
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.compareAndSet(null, StopReason.SHUTDOWN);
            } catch (ExecutionException e) {
                // RunExecution turns every failure into an outcome; an Error escaping it is this worker's fault
                return new RunOutcome.Failed(FailureKind.INFRASTRUCTURE, null, e.getCause().toString());
            }
        }
    }

    /** Publishes a terminal status while this attempt still owns the run, and waits until the broker has it. */
    private boolean conclude(String runId, RunLease lease, java.util.function.Supplier<Future<RecordMetadata>> status) {
        if (!lease.held()) {
            LOG.warn("run {}: a newer attempt owns the run; this attempt's ending is not published", runId);
            return false;
        }
        if (!EventPublisher.await(status.get(), STATUS_PATIENCE)) {
            LOG.warn("run {}: its final status did not reach the broker within {} min; the producer keeps retrying it",
                    runId, STATUS_PATIENCE.toMinutes());
            return false;
        }
        return true;
    }

    /**
     * Deletes the finished run's checkpoints its sweep does not keep (docs/worker.md, "Retention"). Only once its end is
     * on the status topic: a worker that dies before then leaves every checkpoint, never a run that would be dispatched
     * again without them. A store that does not take it leaves them all, and the run's result stands.
     */
    private void retain(String runId, RunStore runStore, CheckpointRetention keep) {
        if (keep == CheckpointRetention.ALL) {
            return;
        }
        try {
            runStore.retain(keep, RunDirectory.ENDING_PATIENCE);
            LOG.info("run {}: kept {} of its checkpoints in {}", runId, keep == CheckpointRetention.BEST ? "the best" : "none",
                    runStore.location());
        } catch (UncheckedIOException e) {
            LOG.warn("run {}: its checkpoints stay in {}: the store did not take their deletion: {}", runId,
                    runStore.location(), e.getMessage());
        }
    }

    /**
     * A record that is not a request for a run: dead-lettered with its bytes and rejected, so that it is never
     * delivered again. No run's status is written: a record that cannot be read proves nothing about any run.
     */
    private void poison(Delivery delivery, RequestQueue requests, EventPublisher publisher, String field, String reason) {
        LOG.warn("poison record {}: {}", delivery.coordinates(), RequestLimits.bounded(reason));
        publisher.deadLetter(delivery.key(), delivery.value(), delivery.coordinates(), field, reason);
        RequestQueue.Settlement settled = requests.reject(delivery);
        if (!settled.confirmed()) {
            LOG.warn("the broker did not take the rejection of {}: {}", delivery.coordinates(), settled.error());
        }
    }

    private void heartbeat(EventPublisher publisher) {
        lastHeartbeatNanos = System.nanoTime();
        try {
            String run = currentRun;
            RunReporter reporter = currentReporter;
            Long used = device.memoryUsed().orElse(null);
            watchDeviceMemory(run, used, reporter);
            publisher.heartbeat(config.workerId(), WorkerHeartbeat.newBuilder()
                    .setWorkerId(config.workerId()).setHost(hostName()).setQueueMode(config.queueMode().id())
                    .setBusy(run != null).setRunId(run).setStep(reporter == null ? null : reporter.step())
                    .setStartedAt(startedAt).setTimestamp(clock.instant())
                    .setIntervalMillis(config.heartbeatInterval().toMillis()).setDevice(device.id())
                    .setDeviceMemoryUsedBytes(used).setDeviceMemoryPeakBytes(run == null ? null : deviceMemoryPeak).build());
            metrics.heartbeatSent();
            watchHostLoad(run);
        } catch (RuntimeException e) {
            LOG.warn("heartbeat not sent: {}", e.toString());
        }
    }

    /** On a GPU: the memory in use now, and its peak over the current run, for the heartbeat, the status and metrics. */
    private void watchDeviceMemory(String run, Long used, RunReporter reporter) {
        if (used == null) {
            return;
        }
        if (run == null || !run.equals(peakRun)) {
            peakRun = run;
            deviceMemoryPeak = null;
        }
        if (run != null) {
            deviceMemoryPeak = deviceMemoryPeak == null ? used : Math.max(deviceMemoryPeak, used);
            if (reporter != null) {
                reporter.deviceMemoryPeak(deviceMemoryPeak);
            }
        }
        metrics.deviceMemory(used, run == null ? Double.NaN : deviceMemoryPeak);
    }

    /**
     * While a run trains: more runnable threads on the host than this process has cores, held over the window, means
     * training threads share cores and every one of them slows down (docs/operations.md, "Threads"); said once per run.
     */
    private void watchHostLoad(String run) {
        if (run == null) {
            hostLoad.reset();
            return;
        }
        java.util.OptionalDouble average = hostLoad.sample();
        if (average.isEmpty()) {
            return;
        }
        metrics.hostLoad(average.getAsDouble());
        int cores = TrainingThreads.cores();
        if (average.getAsDouble() > cores && !run.equals(oversubscribedRun)) {
            oversubscribedRun = run;
            LOG.warn("run {}: the host has {} threads ready to run on average over the last {} s, on {} cores: training"
                    + " shares cores and slows down; give each training process cores of its own (--threads,"
                    + " docs/operations.md \"Threads\")", run, String.format(java.util.Locale.ROOT, "%.1f", average.getAsDouble()),
                    6 * config.heartbeatInterval().toSeconds(), cores);
        }
    }

    private static String outcomeName(RunOutcome outcome) {
        if (outcome instanceof RunOutcome.Succeeded) {
            return "succeeded";
        } else if (outcome instanceof RunOutcome.Failed f) {
            return WorkerMetrics.failed(f.kind());
        } else if (outcome instanceof RunOutcome.Stopped) {
            return "stopped";
        } else if (outcome instanceof RunOutcome.Cancelled) {
            return "cancelled";
        } else if (outcome instanceof RunOutcome.HandedBack) {
            return "handed_back";
        }
        return "superseded";
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
