package io.tunestream.worker.model.source;

import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random BERT weights in HuggingFace naming, for tests that need a model of a given shape but not its
 * knowledge. Matrices and embeddings are normal(0, 0.02) as in BERT's initialisation; biases are small but
 * non-zero, so that tests notice a bias that is dropped; LayerNorm gains are near 1.
 */
public final class RandomBert {

    static final Map<String, BertConfig> SHAPES =
            Map.of("tiny", BertConfig.tiny(), "minilm-l6", BertConfig.miniLmL6(), "bert-base", BertConfig.bertBase());

    private RandomBert() {}

    public static Map<String, HostTensor> weights(BertConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        int h = config.hiddenSize();
        weights.put("embeddings.word_embeddings.weight", normal(random, 0.02, config.vocabSize(), h));
        weights.put("embeddings.position_embeddings.weight", normal(random, 0.02, config.maxPositions(), h));
        weights.put("embeddings.token_type_embeddings.weight", normal(random, 0.02, config.typeVocabSize(), h));
        layerNorm(weights, random, "embeddings.LayerNorm", h);
        for (int i = 0; i < config.layerCount(); i++) {
            String layer = "encoder.layer." + i;
            linear(weights, random, layer + ".attention.self.query", h, h);
            linear(weights, random, layer + ".attention.self.key", h, h);
            linear(weights, random, layer + ".attention.self.value", h, h);
            linear(weights, random, layer + ".attention.output.dense", h, h);
            layerNorm(weights, random, layer + ".attention.output.LayerNorm", h);
            linear(weights, random, layer + ".intermediate.dense", h, config.intermediateSize());
            linear(weights, random, layer + ".output.dense", config.intermediateSize(), h);
            layerNorm(weights, random, layer + ".output.LayerNorm", h);
        }
        linear(weights, random, "pooler.dense", h, h);
        return weights;
    }

    private static void linear(Map<String, HostTensor> weights, SplittableRandom random, String prefix, int in, int out) {
        weights.put(prefix + ".weight", normal(random, 0.02, out, in));
        weights.put(prefix + ".bias", normal(random, 0.01, out));
    }

    private static void layerNorm(Map<String, HostTensor> weights, SplittableRandom random, String prefix, int h) {
        HostTensor gain = normal(random, 0.05, h);
        float[] values = gain.values();
        for (int i = 0; i < values.length; i++) {
            values[i] += 1f;
        }
        weights.put(prefix + ".weight", gain);
        weights.put(prefix + ".bias", normal(random, 0.02, h));
    }

    private static HostTensor normal(SplittableRandom random, double std, long... shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (gaussian(random) * std);
        }
        return new HostTensor(shape, values);
    }

    /** Box-Muller: SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
