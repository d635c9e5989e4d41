package io.tunestream.worker.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Where a model's {@code tokenizer.json} comes from. Opens a tokenizer that truncates to {@code maxLength} and
 * does not pad: batches are padded to their own longest sentence by the data pipeline, and the default model's
 * file has padding to 128 built in, which this overrides.
 */
@FunctionalInterface
public interface TokenizerSource {

    InputStream open() throws IOException;

    default HuggingFaceTokenizer tokenizer(int maxLength) {
        try (InputStream in = open()) {
            return HuggingFaceTokenizer.newInstance(
                    in,
                    Map.of(
                            "padding", "false",
                            "truncation", "true",
                            "maxLength", Integer.toString(maxLength),
                            "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer: " + e.getMessage(), e);
        }
    }
}
