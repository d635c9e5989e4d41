package io.tunestream.cli;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.data.TsvDataset;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.train.EvaluationResult;
import io.tunestream.worker.train.Evaluator;
import io.tunestream.worker.train.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream eval}: accuracy, macro-F1 and loss of a trained run on any labelled TSV. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a trained run on a labelled TSV (columns 'sentence' and 'label').")
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run directory written by 'tunestream train'.")
    Path runDirectory;

    @Option(names = "--data", required = true, paramLabel = "FILE.tsv", description = "Labelled TSV to evaluate on.")
    Path data;

    @Option(names = "--checkpoint", defaultValue = "best", description = "best or latest (default: ${DEFAULT-VALUE}).")
    String checkpoint;

    @Option(names = "--json", description = "Print {accuracy, f1, loss, examples} as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RunDirectory run = RunDirectory.existing(runDirectory);
        TrainingConfig config = run.config();
        TrainedRun.Checkpoint which = TrainedRun.Checkpoint.parse(checkpoint);
        var examples = TsvDataset.read(data);
        ModelCatalog models = new ModelCatalog();
        EvaluationResult result;
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = TrainedRun.load(run, which, AdapterRegistry.standard(), models, manager);
                HuggingFaceTokenizer tokenizer = models.load(config.model()).tokenizer().orElseThrow().tokenizer(config.maxLength())) {
            result = Evaluator.evaluate(model, EncodedDataset.encode(examples, tokenizer), config.evalBatchSize());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("accuracy", result.accuracy());
            object.put("f1", result.macroF1());
            object.put("loss", result.loss());
            object.put("examples", result.examples());
            out.println(new ObjectMapper().writeValueAsString(object));
        } else {
            out.printf(Locale.ROOT, "%s (%s checkpoint) on %s: accuracy %.2f%%, macro-F1 %.4f, loss %.4f over %d examples%n",
                    runDirectory, checkpoint, data, 100 * result.accuracy(), result.macroF1(), result.loss(), result.examples());
        }
        out.flush();
        return 0;
    }
}
