package io.tunestream.worker.run;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.data.LabelledSentence;
import io.tunestream.worker.data.PreparationStoppedException;
import io.tunestream.worker.data.TsvDataset;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * An experiment made ready to train: the config resolved and checked against the model, the model loaded, and the
 * data read and tokenized. Everything a user can get wrong fails here, before a model is built.
 *
 * @param config the resolved config
 * @param method the method it names
 * @param pretrained the loaded pretrained model
 * @param train tokenized training examples (the subset, if the config asks for one)
 * @param dev tokenized dev examples
 */
public record Experiment(TrainingConfig config, AdapterMethod method, PretrainedModel pretrained,
        EncodedDataset train, EncodedDataset dev) {

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
        TrainingConfig config = requested.resolve(method);
        AdaptedModel.validate(method, config.adapterOptions(), models.config(config.model()));
        Path trainFile;
        Path devFile;
        if (config.trainFile() != null && config.devFile() != null) {
            trainFile = Path.of(config.trainFile());
            devFile = Path.of(config.devFile());
        } else {
            DatasetCatalog.Splits splits = datasets.resolve(config.dataset());
            trainFile = config.trainFile() != null ? Path.of(config.trainFile()) : splits.train();
            devFile = config.devFile() != null ? Path.of(config.devFile()) : splits.dev();
        }
        List<LabelledSentence> trainExamples = EncodedDataset.subset(TsvDataset.read(trainFile), config.trainSamples(), config.seed());
        List<LabelledSentence> devExamples = TsvDataset.read(devFile);
        PreparationStoppedException.check(stopRequested);
        PretrainedModel pretrained = models.load(config.model());
        PreparationStoppedException.check(stopRequested);
        HuggingFaceTokenizer tokenizer = pretrained.tokenizer()
                .orElseThrow(() -> new IllegalArgumentException("model '" + config.model() + "' has no tokenizer"))
                .tokenizer(config.maxLength());
        try (tokenizer) {
            return new Experiment(config, method, pretrained,
                    EncodedDataset.encode(trainExamples, tokenizer, stopRequested),
                    EncodedDataset.encode(devExamples, tokenizer, stopRequested));
        }
    }

    /** A fresh model for this experiment, initialised from the config's seed. */
    public AdaptedModel buildModel(NDManager manager) {
        return AdaptedModel.build(pretrained, method, config.adapterOptions(), config.seed(), manager);
    }
}
