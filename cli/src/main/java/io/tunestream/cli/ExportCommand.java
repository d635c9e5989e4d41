package io.tunestream.cli;

import ai.djl.ndarray.NDManager;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.export.Exports;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.store.CheckpointStore;
import io.tunestream.worker.store.DirectoryStore;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.store.StoreLocation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunestream export}: a trained run as a HuggingFace model directory or a PEFT adapter, written to a directory
 * and/or published beside the run in its store (docs/worker.md, "Artifacts").
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export a trained run: one in a run directory (--run-dir), or one in a checkpoint store (--run with"
                + " --checkpoint-store).",
            "hf: a BertForSequenceClassification directory with the adapters merged (config.json, "
                    + "model.safetensors, tokenizer).",
            "peft: adapter_config.json and adapter_model.safetensors in PEFT's naming (lora and dora runs)."})
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory written by 'tunestream train' or by a worker.")
    Path runDirectory;

    @Option(names = "--run", paramLabel = "RUN", description = "Id of a run in the checkpoint store that --checkpoint-store names.")
    String runId;

    @Option(names = "--format", required = true, description = "hf or peft.")
    String format;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory to write (required unless --publish).")
    Path out;

    @Option(names = "--publish", description = "Publish the export beside the run in its store, as RUN/export/FORMAT/"
            + " (a directory's export/FORMAT/ for --run-dir).")
    boolean publish;

    @Option(names = "--checkpoint", defaultValue = "best", description = "best or latest (default: ${DEFAULT-VALUE}).")
    String checkpoint;

    @Mixin
    StoreOptions store;

    @Override
    public Integer call() throws Exception {
        ExportFormat chosen = Exports.parse(format);
        TrainedRun.Checkpoint which = TrainedRun.Checkpoint.parse(checkpoint);
        if ((runDirectory == null) == (runId == null)) {
            throw new IllegalArgumentException("name the run once: --run-dir DIR, or --run RUN with --checkpoint-store STORE");
        }
        if (runId != null && !store.given()) {
            throw new IllegalArgumentException("--run " + runId + " names a run in a checkpoint store: give --checkpoint-store"
                    + " DIR or s3://BUCKET/PREFIX");
        }
        if (runId != null) {
            RequestLimits.checkRunId(runId).ifPresent(violation -> {
                throw new IllegalArgumentException("--run: " + violation.message());
            });
        }
        if (out == null && !publish) {
            throw new IllegalArgumentException("say where the export goes: --out DIR, --publish, or both");
        }
        if (out != null) {
            OutputPaths.directory(out, "--out");
        }
        Path scratch = Files.createTempDirectory("tunestream-export");
        try (CheckpointStore checkpoints = runId == null ? null : CheckpointStore.open(readerOf(store.location(), scratch))) {
            RunStore run = runId == null ? DirectoryStore.runAt(runDirectory) : checkpoints.run(runId);
            if (runId != null) {
                run.restore(RunDirectory.ENDING_PATIENCE);
                if (!Files.isRegularFile(run.workingDirectory().resolve("config.json"))) {
                    throw new IllegalArgumentException("no run '" + runId + "' in " + checkpoints.location());
                }
            }
            Path written = out != null ? out : scratch.resolve(chosen.name());
            try (NDManager manager = NDManager.newBaseManager()) {
                Exports.write(chosen, RunDirectory.existing(run.workingDirectory()), which, AdapterRegistry.standard(),
                        new ModelCatalog(), manager, written);
            }
            PrintWriter stdout = spec.commandLine().getOut();
            if (out != null) {
                stdout.println("wrote " + chosen + " export of " + run.location() + " to " + out);
            }
            if (publish) {
                stdout.println("published " + chosen + " export of " + run.location() + " to "
                        + run.publish(written, chosen.name(), RunDirectory.ENDING_PATIENCE));
            }
            stdout.flush();
        } finally {
            DirectoryStore.deleteRecursively(scratch);
        }
        return 0;
    }

    /**
     * The store, read through a working directory of this command's own: a worker on this machine may be writing the
     * same run in the store's usual one.
     */
    private static StoreLocation readerOf(StoreLocation location, Path scratch) {
        return location instanceof StoreLocation.S3 s3
                ? new StoreLocation.S3(s3.bucket(), s3.prefix(), s3.endpoint(), s3.region(), scratch.resolve("work"))
                : location;
    }
}
