package io.tunestream.worker.service;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.FailureKind;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.PreparationStoppedException;
import io.tunestream.worker.export.Exports;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.RunLease;
import io.tunestream.worker.run.SupersededException;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.train.DeviceMemory;
import io.tunestream.worker.train.EvaluationResult;
import io.tunestream.worker.train.Evaluator;
import io.tunestream.worker.train.OutOfDeviceMemoryException;
import io.tunestream.worker.train.Trainer;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import io.tunestream.worker.train.TrainingSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at a run, on the worker's training thread: check the request, prepare the experiment, train from the
 * run's latest checkpoint in the shared store (so a run dispatched again after a crash resumes where it stopped), and
 * say how it ended. Every phase gives way to a stop request: preparation between its parts, training after its
 * current step. It writes nothing once its {@link RunLease} is lost. It never throws: every failure becomes a
 * {@link RunOutcome.Failed} with its kind.
 */
final class RunExecution implements Callable<RunOutcome> {

    private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);

    private final ExperimentRequest request;
    private final TrainingListener listener;
    private final RequestMapper mapper;
    private final AdapterRegistry registry;
    private final ModelCatalog models;
    private final DatasetCatalog datasets;
    private final RunStore runStore;
    private final AtomicReference<StopReason> stop;
    private final ClusterView view;
    private final RunLease lease;
    private final DeviceMemory memory;
    private final ComputeDevice device;

    RunExecution(ExperimentRequest request, TrainingListener listener, RequestMapper mapper, AdapterRegistry registry,
            ModelCatalog models, DatasetCatalog datasets, RunStore runStore, AtomicReference<StopReason> stop,
            ClusterView view, RunLease lease, DeviceMemory memory, ComputeDevice device) {
        this.request = request;
        this.listener = listener;
        this.mapper = mapper;
        this.registry = registry;
        this.models = models;
        this.datasets = datasets;
        this.runStore = runStore;
        this.stop = stop;
        this.view = view;
        this.lease = lease;
        this.memory = memory;
        this.device = device;
    }

    @Override
    public RunOutcome call() {
        String runId = request.getRunId();
        TrainingConfig config;
        try {
            config = mapper.resolve(request);
        } catch (InvalidRequestException e) {
            return new RunOutcome.Failed(FailureKind.BAD_REQUEST, e.field(), e.getMessage());
        }
        long started = System.nanoTime();
        Long budgetSeconds = request.getMaxWallSeconds();
        BooleanSupplier stopRequested = () -> {
            if (!lease.held()) {
                stop.compareAndSet(null, StopReason.SUPERSEDED);
            }
            view.order(runId).ifPresent(order -> stop.compareAndSet(null,
                    order.getAction() == ControlAction.STOP ? StopReason.ORDERED : StopReason.CANCELLED));
            if (budgetSeconds != null && (System.nanoTime() - started) / 1e9 > budgetSeconds) {
                stop.compareAndSet(null, StopReason.BUDGET);
            }
            return stop.get() != null;
        };
        try {
            Experiment experiment = Experiment.prepare(config, registry, models, datasets, stopRequested);
            Lineage lineage = Lineage.of(experiment, device.toString());
            listener.onPrepared(experiment.config(), lineage);
            RunDirectory runDirectory = RunDirectory.open(runStore, experiment.config(), lineage, lease);
            TrainingSummary summary;
            try (NDManager manager = NDManager.newBaseManager(device.device());
                    AdaptedModel model = experiment.buildModel(manager)) {
                Trainer trainer = new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(),
                        runDirectory, listener).withDeviceMemory(memory);
                summary = trainer.run(stopRequested);
                if (stop.get() == StopReason.ORDERED && !summary.outcome().equals("completed") && summary.steps() > 0) {
                    summary = finalSummary(summary, model, experiment, runDirectory);
                }
            }
            if (summary.outcome().equals("completed")) {
                publishExports(runDirectory);
                return new RunOutcome.Succeeded(summary);
            }
            if (stop.get() == StopReason.ORDERED && summary.outcome().equals("stopped")) {
                publishExports(runDirectory);
            }
            return stopped(summary.steps(), summary);
        } catch (PreparationStoppedException e) {
            return stopped(0, null);
        } catch (SupersededException e) {
            LOG.info("run {}: {}", runId, e.getMessage());
            return new RunOutcome.Superseded(0);
        } catch (IllegalArgumentException e) {
            // the request was valid, but this worker cannot serve it (e.g. its dataset files are missing)
            LOG.warn("run {} cannot start here: {}", runId, e.getMessage());
            return new RunOutcome.Failed(FailureKind.INFRASTRUCTURE, null, e.getMessage());
        } catch (OutOfDeviceMemoryException e) {
            // even micro-batches of one example did not fit: the same settings would fail the same way anywhere alike
            LOG.warn("run {} does not fit in device memory: {}", runId, e.getMessage());
            return new RunOutcome.Failed(FailureKind.RESOURCE, null, e.getMessage());
        } catch (UncheckedIOException | EngineException | OutOfMemoryError e) {
            LOG.warn("run {} failed on this worker", runId, e);
            return new RunOutcome.Failed(FailureKind.INFRASTRUCTURE, null, e.toString());
        } catch (RuntimeException e) {
            LOG.warn("run {} failed in training", runId, e);
            return new RunOutcome.Failed(FailureKind.TRAINING, null, e.toString());
        }
    }

    /**
     * Publishes the exports the request asks for, from the run's best checkpoint, beside the run in the store
     * (docs/worker.md, "Artifacts"). One that cannot be made or stored is told and skipped: the run's result stands.
     */
    private void publishExports(RunDirectory runDirectory) {
        String method = runDirectory.config().method();
        for (ExportFormat format : request.getExports()) {
            String id = format.name();
            if (!Exports.supports(format, method)) {
                listener.onArtifactNotPublished(id, "a " + method + " run has no " + id + " export");
                continue;
            }
            Path staged = runDirectory.root().resolve("export").resolve(id);
            try (NDManager manager = NDManager.newBaseManager(device.device())) {
                Exports.write(format, runDirectory, TrainedRun.Checkpoint.BEST, registry, models, manager, staged);
                listener.onArtifact(id, runStore.publish(staged, id, RunDirectory.ENDING_PATIENCE));
            } catch (IOException | RuntimeException e) {
                LOG.warn("run {}: the {} export is not published", request.getRunId(), id, e);
                listener.onArtifactNotPublished(id, e.getMessage());
            }
        }
    }

    /**
     * How a run that stopped before its last step ended, by the first reason given. {@code summary} is null when it
     * stopped before training began (then an early-stop order ends it CANCELLED: there is nothing to summarise).
     */
    private RunOutcome stopped(long step, TrainingSummary summary) {
        String runId = request.getRunId();
        return switch (stop.get()) {
            case ORDERED -> summary == null || summary.steps() == 0
                    ? new RunOutcome.Cancelled(step)
                    : new RunOutcome.Stopped(summary, view.order(runId).map(ControlCommand::getReason).orElse("stopped by the coordinator"));
            case CANCELLED -> new RunOutcome.Cancelled(step);
            case SHUTDOWN -> new RunOutcome.HandedBack(step);
            case SUPERSEDED -> new RunOutcome.Superseded(step);
            case BUDGET -> new RunOutcome.Failed(FailureKind.BUDGET, "maxWallSeconds", "maxWallSeconds of "
                    + request.getMaxWallSeconds() + " s ran out at step " + step + "; the checkpoint is kept");
        };
    }

    /**
     * An early-stopped run keeps what it learned: its summary says how far it got and its best checkpoint stays in the
     * run directory. It needs an evaluation at its last step, which this attempt may not have made yet.
     */
    private static TrainingSummary finalSummary(TrainingSummary stopped, AdaptedModel model, Experiment experiment,
            RunDirectory runDirectory) {
        EvaluationResult last = stopped.finalEvaluation() != null ? stopped.finalEvaluation()
                : Evaluator.evaluate(model, experiment.task(), experiment.dev(), experiment.config().evalBatchSize());
        // the best checkpoint holds the best of the evaluations made in training; this extra one only stands in for none
        boolean evaluatedBefore = stopped.bestScore() != Double.NEGATIVE_INFINITY;
        TrainingSummary summary = new TrainingSummary(stopped.model(), stopped.method(), "stopped", stopped.steps(), last,
                stopped.metric(), evaluatedBefore ? stopped.bestScore() : last.score(),
                evaluatedBefore ? stopped.bestStep() : stopped.steps(),
                stopped.adapterParameters(), stopped.headParameters(), stopped.totalParameters(), stopped.wallSeconds(),
                stopped.samplesPerSecond(), stopped.trainExamples(), null, null);
        runDirectory.writeSummary(summary);
        return summary;
    }
}
