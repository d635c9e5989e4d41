package io.tunestream.worker.model.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.tensor.HostTensor;
import io.tunestream.worker.tensor.Safetensors;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    @Test
    void defaultModelHasEveryBertTensorAndNoPooler() {
        PretrainedModel model = io.tunestream.worker.TestModels.miniLm();
        Map<String, HostTensor> expected = RandomBert.weights(BertConfig.miniLmL6(), 0);
        expected.remove("pooler.dense.weight");
        expected.remove("pooler.dense.bias");
        assertEquals(expected.keySet(), model.weights().keySet());
        expected.forEach((name, tensor) -> assertArrayEquals(tensor.shape(), model.weights().get(name).shape(), name));
        assertEquals(22_565_376L, model.backboneParameterCount());
        assertTrue(model.tokenizer().isPresent());
    }

    @Test
    void loadedModelsAreCachedByReference() {
        ModelCatalog catalog = new ModelCatalog();
        assertSame(catalog.load("random:tiny@3"), catalog.load(" random:tiny@3 "));
    }

    @Test
    void malformedReferencesNameTheValueAndTheValidForms() {
        ModelCatalog catalog = new ModelCatalog();
        assertEquals("unknown model reference 'bert-large'; valid forms: " + ModelReference.VALID_FORMS,
                assertThrows(IllegalArgumentException.class, () -> catalog.load("bert-large")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> catalog.load("https://example.com/model"))
                .getMessage().contains("is a URL; models are never downloaded"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> catalog.load("hf:"))
                .getMessage().contains("names no directory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> catalog.load("random:huge"))
                .getMessage().contains("unknown random shape 'huge'; valid shapes:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> catalog.load("random:tiny@x"))
                .getMessage().contains("seed that is not an integer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> catalog.load(""))
                .getMessage().contains("empty"));
    }

    @Test
    void huggingFaceDirectoryLoadsWithTaskPrefixesAndOldNames(@TempDir Path root) throws Exception {
        Path dir = writeHuggingFaceDirectory(root.resolve("tiny-bert"), 4);
        PretrainedModel model = new ModelCatalog(List.of(root)).load("hf:" + dir);
        Map<String, HostTensor> expected = RandomBert.weights(BertConfig.tiny(), 4);
        assertEquals(expected.keySet(), model.weights().keySet());
        expected.forEach((name, tensor) -> assertEquals(tensor, model.weights().get(name), name));
        assertEquals(BertConfig.tiny().hiddenSize(), model.config().hiddenSize());
        long[] ids = model.tokenizer().orElseThrow().tokenizer(16).encode("hello world").getIds();
        assertEquals(101, ids[0]);
    }

    @Test
    void directoriesOutsideTheAllowedRootsAreRefused(@TempDir Path temp) throws Exception {
        Path allowed = Files.createDirectories(temp.resolve("models"));
        Path outside = writeHuggingFaceDirectory(temp.resolve("elsewhere"), 1);
        ModelCatalog catalog = new ModelCatalog(List.of(allowed));
        String message = assertThrows(IllegalArgumentException.class, () -> catalog.load("hf:" + outside)).getMessage();
        assertTrue(message.contains("is outside the allowed model roots"), message);
        String escape = assertThrows(IllegalArgumentException.class,
                () -> catalog.load("hf:" + allowed + "/../elsewhere")).getMessage();
        assertTrue(escape.contains("is outside the allowed model roots"), escape);
        Files.createSymbolicLink(allowed.resolve("link"), outside);
        String viaLink = assertThrows(IllegalArgumentException.class, () -> catalog.load("hf:" + allowed.resolve("link"))).getMessage();
        assertTrue(viaLink.contains("is outside the allowed model roots"), viaLink);
    }

    @Test
    void incompleteDirectoriesNameTheMissingFile(@TempDir Path root) throws Exception {
        Path dir = writeHuggingFaceDirectory(root.resolve("m"), 1);
        Files.delete(dir.resolve("tokenizer.json"));
        String message = assertThrows(IllegalArgumentException.class, () -> new ModelCatalog().load("hf:" + dir)).getMessage();
        assertTrue(message.contains("has no tokenizer.json"), message);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ModelCatalog().load("hf:" + root.resolve("none")))
                .getMessage().contains("does not exist"));
    }

    /** A tiny BERT as a task checkpoint would store it: {@code bert.} prefixes, a {@code cls.} head, old LayerNorm names. */
    static Path writeHuggingFaceDirectory(Path dir, long seed) throws Exception {
        Files.createDirectories(dir);
        BertConfig c = BertConfig.tiny();
        Files.writeString(dir.resolve("config.json"), String.format(
                "{\"model_type\":\"bert\",\"vocab_size\":%d,\"hidden_size\":%d,\"num_hidden_layers\":%d,"
                        + "\"num_attention_heads\":%d,\"intermediate_size\":%d,\"max_position_embeddings\":%d,"
                        + "\"type_vocab_size\":2,\"hidden_act\":\"gelu\",\"layer_norm_eps\":1e-12}",
                c.vocabSize(), c.hiddenSize(), c.layerCount(), c.headCount(), c.intermediateSize(), c.maxPositions()));
        Map<String, HostTensor> stored = new LinkedHashMap<>();
        RandomBert.weights(c, seed).forEach((name, tensor) -> {
            String storedName = "bert." + name;
            if (name.equals("embeddings.LayerNorm.weight")) {
                storedName = "bert.embeddings.LayerNorm.gamma";
            } else if (name.equals("embeddings.LayerNorm.bias")) {
                storedName = "bert.embeddings.LayerNorm.beta";
            }
            stored.put(storedName, tensor);
        });
        stored.put("cls.predictions.bias", new HostTensor(new long[] {c.vocabSize()}, new float[c.vocabSize()]));
        Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of("format", "pt"));
        try (InputStream in = ModelCatalogTest.class.getClassLoader().getResourceAsStream(ModelCatalog.MINILM_TOKENIZER)) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        assertFalse(Files.size(dir.resolve("tokenizer.json")) == 0);
        return dir;
    }
}
