package io.tunestream.worker.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.TokenizerSource;
import io.tunestream.worker.tensor.HostTensor;
import io.tunestream.worker.tensor.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import io.tunestream.worker.task.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a trained model as a HuggingFace {@code BertForSequenceClassification} directory: {@code config.json}
 * (with the task's {@code num_labels}, {@code id2label}, {@code label2id} and {@code problem_type}),
 * {@code model.safetensors} with the adapters merged into plain weights under HuggingFace's names ({@code bert.*},
 * {@code classifier.*}), and the tokenizer ({@code tokenizer.json} without the fixed padding the default model's
 * file carries, plus {@code tokenizer_config.json}).
 */
public final class HuggingFaceExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceExport() {}

    /** Merges the model's adapters (in place) and writes the directory. */
    public static void write(AdaptedModel model, Task task, TokenizerSource tokenizer, int maxLength, Path directory)
            throws IOException {
        Files.createDirectories(directory);
        model.mergeAdapters();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        model.parameters().forEach((name, parameter) -> {
            String exported = name.startsWith("classifier.") ? name : "bert." + name;
            tensors.put(exported, HostTensor.of(parameter.getArray()));
        });
        Safetensors.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve("config.json").toFile(), config(model.classifier().config(), task));
        writeTokenizer(tokenizer, maxLength, directory);
    }

    static ObjectNode config(BertConfig c, Task task) {
        ObjectNode node = JSON.createObjectNode();
        node.putArray("architectures").add("BertForSequenceClassification");
        node.put("model_type", "bert");
        node.put("vocab_size", c.vocabSize());
        node.put("hidden_size", c.hiddenSize());
        node.put("num_hidden_layers", c.layerCount());
        node.put("num_attention_heads", c.headCount());
        node.put("intermediate_size", c.intermediateSize());
        node.put("hidden_act", "gelu");
        node.put("hidden_dropout_prob", c.hiddenDropout());
        node.put("attention_probs_dropout_prob", c.attentionDropout());
        node.put("max_position_embeddings", c.maxPositions());
        node.put("type_vocab_size", c.typeVocabSize());
        node.put("initializer_range", 0.02);
        node.put("layer_norm_eps", c.layerNormEps());
        node.put("pad_token_id", 0);
        node.put("position_embedding_type", "absolute");
        node.put("problem_type", task.problemType());
        node.put("num_labels", task.outputs());
        // a regression head has one output, which HuggingFace names LABEL_0
        List<String> names = task.isRegression() ? List.of("LABEL_0") : task.labels();
        ObjectNode idToLabel = node.putObject("id2label");
        ObjectNode labelToId = node.putObject("label2id");
        for (int id = 0; id < names.size(); id++) {
            idToLabel.put(Integer.toString(id), names.get(id));
            labelToId.put(names.get(id), id);
        }
        node.put("torch_dtype", "float32");
        return node;
    }

    private static void writeTokenizer(TokenizerSource tokenizer, int maxLength, Path directory) throws IOException {
        ObjectNode json;
        try (InputStream in = tokenizer.open()) {
            json = (ObjectNode) JSON.readTree(in);
        }
        // the default model's file pads every input to 128: exported models pad as their user asks
        json.putNull("padding");
        json.putNull("truncation");
        JSON.writeValue(directory.resolve("tokenizer.json").toFile(), json);
        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "BertTokenizerFast");
        config.put("do_lower_case", true);
        config.put("model_max_length", maxLength);
        config.put("cls_token", "[CLS]").put("sep_token", "[SEP]").put("pad_token", "[PAD]")
                .put("unk_token", "[UNK]").put("mask_token", "[MASK]");
        JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve("tokenizer_config.json").toFile(), config);
    }
}
