package io.tunestream.cli;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DataLayout;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.data.Example;
import io.tunestream.worker.data.LabelledData;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import io.tunestream.worker.task.Task;
import io.tunestream.worker.train.EvaluationResult;
import io.tunestream.worker.train.Evaluator;
import io.tunestream.worker.train.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream eval}: a trained run's metrics and loss on any labelled file of its task. */
@Command(name = "eval", mixinStandardHelpOptions = true, modelTransformer = LayoutOptions.FileShape.class,
        description = "Evaluate a trained run on a labelled CSV, TSV or JSON Lines file, read with the columns and labels the run trained with.")
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run directory written by 'tunestream train'.")
    Path runDirectory;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled file to evaluate on.")
    Path data;

    @Option(names = "--checkpoint", defaultValue = "best", description = "best or latest (default: ${DEFAULT-VALUE}).")
    String checkpoint;

    @Option(names = "--json", description = "Print every metric by name, the primary metric's name, loss and examples as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RunDirectory run = RunDirectory.existing(runDirectory);
        TrainingConfig config = run.config();
        TrainedRun.Checkpoint which = TrainedRun.Checkpoint.parse(checkpoint);
        Task task = TrainedRun.task(run);
        DataLayout recorded = config.layout();
        DataLayout layout = recorded.overriddenBy(LayoutOptions.given(spec).orElse(null));
        if (layout.pairs() != recorded.pairs()) {
            throw new IllegalArgumentException("the run trained on " + (recorded.pairs() ? "sentence pairs" : "single texts")
                    + " (" + recorded.textColumns() + "); --text-columns " + String.join(",", layout.textColumns()) + " names "
                    + layout.textColumns().size() + " column(s), so give " + recorded.textColumns().size());
        }
        List<Example> examples = LabelledData.readEvaluation(data, layout);
        ModelCatalog models = new ModelCatalog();
        EvaluationResult result;
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = TrainedRun.load(run, which, AdapterRegistry.standard(), models, manager);
                HuggingFaceTokenizer tokenizer = models.load(config.model()).tokenizer().orElseThrow().tokenizer(config.maxLength())) {
            result = Evaluator.evaluate(model, task, EncodedDataset.encode(examples, task.kind(), tokenizer), config.evalBatchSize());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>(result.metrics());
            object.put("metric", result.metric());
            object.put("loss", result.loss());
            object.put("examples", result.examples());
            out.println(new ObjectMapper().writeValueAsString(object));
        } else {
            out.printf(Locale.ROOT, "%s (%s checkpoint) on %s: %s  loss %.4f over %d examples%n", runDirectory, checkpoint,
                    data, TrainCommand.metrics(result), result.loss(), result.examples());
        }
        out.flush();
        return 0;
    }
}
