package io.tunestream.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.tunestream.worker.TestModels;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The encoder written in DJL against an independent implementation: onnxruntime running the very ONNX file the
 * default model's weights are lifted from. Our side runs the sentences as one padded batch, onnxruntime runs each
 * alone without padding, so the padding mask is checked too.
 */
class MiniLmReferenceTest {

    private static final List<String> SENTENCES = List.of(
            "a gripping, beautifully acted film.",
            "it 's a bore from start to finish .",
            "The quick brown fox jumps over the lazy dog.",
            "hide new secretions from the parental units",
            "the greatest musicians",
            "Parameter-efficient fine-tuning keeps most weights frozen, which is the point.");

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        PretrainedModel pretrained = TestModels.miniLm();
        HuggingFaceTokenizer tokenizer = pretrained.tokenizer().orElseThrow().tokenizer(128);
        List<long[]> ids = new ArrayList<>();
        for (String sentence : SENTENCES) {
            Encoding encoding = tokenizer.encode(sentence);
            ids.add(encoding.getIds());
        }
        assertEquals(101, ids.get(0)[0], "the tokenizer adds [CLS]");
        assertTrue(ids.stream().map(s -> s.length).distinct().count() > 1, "sentences of different lengths, so padding is exercised");

        float maxDifference = 0;
        int comparedTokens = 0;
        byte[] onnx;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (NDManager manager = NDManager.newBaseManager();
                OrtSession session = environment.createSession(onnx, new OrtSession.SessionOptions())) {
            BertClassifier model = pretrained.instantiate(manager, 0);
            try (StepScope scope = StepScope.open(manager, model)) {
                NDList inputs = TokenBatch.of(scope.manager(), ids);
                NDArray hidden = model.encoder().forward(scope.store(), inputs, false).singletonOrThrow();
                long length = hidden.getShape().get(1);
                float[] ours = hidden.toFloatArray();
                for (int b = 0; b < ids.size(); b++) {
                    float[][] reference = runOnnx(environment, session, ids.get(b));
                    for (int t = 0; t < ids.get(b).length; t++) {
                        for (int h = 0; h < 384; h++) {
                            float difference = Math.abs(ours[(int) ((b * length + t) * 384 + h)] - reference[t][h]);
                            maxDifference = Math.max(maxDifference, difference);
                        }
                        comparedTokens++;
                    }
                }
            }
        }
        System.out.printf("MiniLM vs onnxruntime: %d tokens, max |difference| %.3g%n", comparedTokens, maxDifference);
        assertTrue(maxDifference <= 1e-4, "max abs difference " + maxDifference + " exceeds 1e-4");
    }

    private static float[][] runOnnx(OrtEnvironment environment, OrtSession session, long[] ids) throws Exception {
        long[][] input = {ids};
        long[][] mask = {new long[ids.length]};
        long[][] types = {new long[ids.length]};
        java.util.Arrays.fill(mask[0], 1);
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put("input_ids", OnnxTensor.createTensor(environment, input));
            feeds.put("attention_mask", OnnxTensor.createTensor(environment, mask));
            if (session.getInputNames().contains("token_type_ids")) {
                feeds.put("token_type_ids", OnnxTensor.createTensor(environment, types));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                return ((float[][][]) result.get(0).getValue())[0];
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }
}
