package io.tunestream.worker.run;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DataLayout;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.DatasetIdentity;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.data.Example;
import io.tunestream.worker.data.LabelledData;
import io.tunestream.worker.data.PreparationStoppedException;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.task.Task;
import io.tunestream.worker.train.EvaluationSet;
import io.tunestream.worker.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * An experiment made ready to train: the config resolved and checked against the model, the data read and checked
 * against its task, the model loaded with a head for that task, and the data tokenized. Everything a user can get
 * wrong fails here, before a model is built.
 *
 * @param config the resolved config, its layout holding the task as resolved from the data
 * @param method the method it names
 * @param pretrained the loaded pretrained model, its head sized for the task
 * @param task the task: head, loss and metrics
 * @param train tokenized training examples (the subset, if the config asks for one)
 * @param dev tokenized evaluation splits; the first decides the best checkpoint
 * @param data the files the data was read from, with their digest
 */
public record Experiment(TrainingConfig config, AdapterMethod method, PretrainedModel pretrained, Task task,
        EncodedDataset train, List<EvaluationSet> dev, DatasetIdentity data) {

    public static Experiment prepare(TrainingConfig requested, AdapterRegistry registry, ModelCatalog models, DatasetCatalog datasets) {
        return prepare(requested, registry, models, datasets, () -> false);
    }

    /**
     * As {@link #prepare(TrainingConfig, AdapterRegistry, ModelCatalog, DatasetCatalog)}, giving up with
     * {@link PreparationStoppedException} as soon as {@code stopRequested} answers true: between reading, loading and
     * every chunk of tokenizing, so that a worker asked to stop hands its run back within seconds.
     */
    public static Experiment prepare(TrainingConfig requested, AdapterRegistry registry, ModelCatalog models,
            DatasetCatalog datasets, BooleanSupplier stopRequested) {
        if (requested.method() == null) {
            throw new IllegalArgumentException("method is required; valid methods: "
                    + String.join(", ", registry.all().stream().map(AdapterMethod::id).toList()));
        }
        AdapterMethod method = registry.get(requested.method());
        TrainingConfig resolved = requested.resolve(method);
        AdaptedModel.validate(method, resolved.adapterOptions(), models.config(resolved.model()));
        DataSources sources = DataSources.of(resolved, datasets);
        LabelledData data = LabelledData.read(sources.train(), sources.dev(), sources.layout());
        DatasetIdentity identity = DatasetIdentity.of(sources.name(), sources.train(), sources.dev());
        TrainingConfig config = resolved.withLayout(data.layout());
        List<Example> trainExamples = EncodedDataset.subset(data.train(), config.trainSamples(), config.seed());
        PreparationStoppedException.check(stopRequested);
        PretrainedModel pretrained = models.load(config.model()).withOutputs(data.task().outputs());
        PreparationStoppedException.check(stopRequested);
        HuggingFaceTokenizer tokenizer = pretrained.tokenizer()
                .orElseThrow(() -> new IllegalArgumentException("model '" + config.model() + "' has no tokenizer"))
                .tokenizer(config.maxLength());
        try (tokenizer) {
            Task.Kind kind = data.task().kind();
            EncodedDataset train = EncodedDataset.encode(trainExamples, kind, tokenizer, stopRequested);
            List<EvaluationSet> dev = new ArrayList<>();
            for (LabelledData.Split split : data.dev()) {
                dev.add(new EvaluationSet(split.name(), EncodedDataset.encode(split.examples(), kind, tokenizer, stopRequested)));
            }
            return new Experiment(config, method, pretrained, data.task(), train, dev, identity);
        }
    }

    /**
     * Where the run's data comes from: the named dataset's files and layout, a file given directly replacing its split,
     * and the config's layout over the dataset's (a file given alone reads as a {@code sentence}/{@code label} table
     * unless the layout says otherwise).
     *
     * @param name the dataset's name, or {@code files} when both splits are given as files
     */
    private record DataSources(String name, Path train, List<Path> dev, DataLayout layout) {

        static DataSources of(TrainingConfig config, DatasetCatalog datasets) {
            if (config.trainFile() != null && config.devFile() != null) {
                return new DataSources("files", Path.of(config.trainFile()), List.of(Path.of(config.devFile())),
                        DataLayout.SENTENCE_LABEL.overriddenBy(config.layout()));
            }
            DatasetCatalog.DatasetFiles files = datasets.resolve(config.dataset());
            DataLayout layout = files.layout().overriddenBy(config.layout());
            if (files.layout().textColumns() != null && layout.pairs() != files.layout().pairs()) {
                throw new IllegalArgumentException(files.name() + " is a " + (files.layout().pairs() ? "sentence-pair" : "single-text")
                        + " dataset (" + String.join(", ", files.layout().textColumns()) + "); textColumns "
                        + layout.textColumns() + " name " + layout.textColumns().size() + " column(s)");
            }
            Path train = config.trainFile() != null ? Path.of(config.trainFile()) : files.train();
            List<Path> dev = config.devFile() != null ? List.of(Path.of(config.devFile())) : files.dev();
            return new DataSources(files.name(), train, dev, layout);
        }
    }

    /** A fresh model for this experiment, initialised from the config's seed. */
    public AdaptedModel buildModel(NDManager manager) {
        return AdaptedModel.build(pretrained, method, config.adapterOptions(), config.trainingPrecision(), config.seed(), manager);
    }
}
