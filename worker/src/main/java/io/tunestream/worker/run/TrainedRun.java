package io.tunestream.worker.run;

import ai.djl.ndarray.NDManager;
import io.tunestream.schemas.IoErrors;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.checkpoint.AdapterCheckpoint;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.task.Task;
import io.tunestream.worker.train.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A finished (or checkpointed) run reopened from its directory, for evaluation and export. */
public final class TrainedRun {

    /** Which saved weights to use. */
    public enum Checkpoint {
        /** The weights at the best value of the task's primary metric. */
        BEST,
        /** The weights at the last checkpoint (the end of a completed run). */
        LATEST;

        public static Checkpoint parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown checkpoint '" + value + "'; valid: best, latest");
            }
        }
    }

    private TrainedRun() {}

    /** The task the run trained for, as its config recorded it. */
    public static Task task(RunDirectory run) {
        return run.config().layout().resolvedTask();
    }

    /** Rebuilds the run's model from its config and loads the chosen checkpoint into it. */
    public static AdaptedModel load(RunDirectory run, Checkpoint which, AdapterRegistry registry, ModelCatalog models, NDManager manager) {
        TrainingConfig config = run.config();
        AdapterMethod method = registry.get(config.method());
        Path adapter = (which == Checkpoint.BEST ? run.bestCheckpoint() : run.latestCheckpoint()).resolve("adapter.safetensors");
        if (!Files.isRegularFile(adapter)) {
            throw new IllegalArgumentException(run.root() + " has no " + which.name().toLowerCase(Locale.ROOT)
                    + " checkpoint (" + adapter + "); has the run evaluated at least once?");
        }
        PretrainedModel pretrained = models.load(config.model()).withOutputs(task(run).outputs());
        AdaptedModel model = AdaptedModel.build(pretrained, method, config.adapterOptions(), config.seed(), manager);
        try {
            AdapterCheckpoint.load(model, adapter);
            return model;
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("cannot read " + adapter + ": " + IoErrors.reason(adapter, e), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
