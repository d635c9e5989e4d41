package io.tunestream.worker.export;

import ai.djl.ndarray.NDManager;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.model.source.ModelReference;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Writes a trained run in an {@link ExportFormat}, for {@code tunestream export} and for a worker publishing a finished
 * run's exports to the checkpoint store (docs/worker.md, "Artifacts").
 */
public final class Exports {

    private static final Set<String> PEFT_METHODS = Set.of("lora", "dora");

    private Exports() {}

    /** The format named {@code value}; an unknown name fails naming the valid ones. */
    public static ExportFormat parse(String value) {
        return Arrays.stream(ExportFormat.values()).filter(f -> f != ExportFormat.unknown && f.name().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown export format '" + value + "'; valid formats: " + ids()));
    }

    /** {@code hf, peft}. */
    public static String ids() {
        return String.join(", ", Arrays.stream(ExportFormat.values()).filter(f -> f != ExportFormat.unknown).map(Enum::name).toList());
    }

    /** Whether a run of {@code method} can be exported in {@code format}: hf every run, peft lora and dora runs. */
    public static boolean supports(ExportFormat format, String method) {
        return format == ExportFormat.hf || format == ExportFormat.peft && PEFT_METHODS.contains(method);
    }

    /**
     * Writes {@code run}'s checkpoint {@code which} in {@code format} to {@code out}.
     *
     * @throws IllegalArgumentException when the run's method has no such export, or the run has no such checkpoint
     */
    public static void write(ExportFormat format, RunDirectory run, TrainedRun.Checkpoint which, AdapterRegistry registry,
            ModelCatalog models, NDManager manager, Path out) throws IOException {
        TrainingConfig config = run.config();
        if (!supports(format, config.method())) {
            throw new IllegalArgumentException("the " + format + " format holds lora and dora adapters; this run used '"
                    + config.method() + "' (use hf)");
        }
        try (AdaptedModel model = TrainedRun.load(run, which, registry, models, manager)) {
            if (format == ExportFormat.hf) {
                HuggingFaceExport.write(model, TrainedRun.task(run), models.load(config.model()).tokenizer().orElseThrow(),
                        config.maxLength(), out);
            } else {
                PeftExport.write(model, baseModelName(config.model()), out);
            }
        }
    }

    /** The base model as PEFT's adapter_config.json names it: a Hub id for the bundled model, else the reference. */
    private static String baseModelName(String reference) {
        return reference.equals(ModelReference.DEFAULT) ? "sentence-transformers/all-MiniLM-L6-v2"
                : reference.startsWith("hf:") ? reference.substring(3) : reference;
    }
}
