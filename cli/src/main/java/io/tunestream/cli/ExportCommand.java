package io.tunestream.cli;

import ai.djl.ndarray.NDManager;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.export.HuggingFaceExport;
import io.tunestream.worker.export.PeftExport;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.model.source.ModelReference;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.train.TrainingConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream export}: a trained run as a HuggingFace model directory or a PEFT adapter. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a trained run.",
            "hf: a BertForSequenceClassification directory with the adapters merged (config.json, "
                    + "model.safetensors, tokenizer).",
            "peft: adapter_config.json and adapter_model.safetensors in PEFT's naming (lora and dora runs)."})
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run directory written by 'tunestream train'.")
    Path runDirectory;

    @Option(names = "--format", required = true, description = "hf or peft.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write.")
    Path out;

    @Option(names = "--checkpoint", defaultValue = "best", description = "best or latest (default: ${DEFAULT-VALUE}).")
    String checkpoint;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("hf") && !format.equals("peft")) {
            throw new IllegalArgumentException("unknown export format '" + format + "'; valid formats: hf, peft");
        }
        RunDirectory run = RunDirectory.existing(runDirectory);
        TrainingConfig config = run.config();
        if (format.equals("peft") && !config.method().equals("lora") && !config.method().equals("dora")) {
            throw new IllegalArgumentException("the peft format holds lora and dora adapters; this run used '"
                    + config.method() + "' (use --format hf)");
        }
        OutputPaths.directory(out, "--out");
        ModelCatalog models = new ModelCatalog();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = TrainedRun.load(run, TrainedRun.Checkpoint.parse(checkpoint), AdapterRegistry.standard(), models, manager)) {
            if (format.equals("hf")) {
                HuggingFaceExport.write(model, TrainedRun.task(run), models.load(config.model()).tokenizer().orElseThrow(),
                        config.maxLength(), out);
            } else {
                PeftExport.write(model, baseModelName(config.model()), out);
            }
        }
        spec.commandLine().getOut().println("wrote " + format + " export of " + runDirectory + " to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static String baseModelName(String reference) {
        return reference.equals(ModelReference.DEFAULT) ? "sentence-transformers/all-MiniLM-L6-v2"
                : reference.startsWith("hf:") ? reference.substring(3) : reference;
    }
}
