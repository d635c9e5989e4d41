package io.tunestream.worker.model.source;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one syntax by which requests, the CLI and tests name a model:
 *
 * <ul>
 *   <li>{@code minilm-l6}: all-MiniLM-L6-v2, read from its Maven Central jar (the default);
 *   <li>{@code hf:/path/to/dir}: a HuggingFace directory with {@code config.json}, {@code model.safetensors} and
 *       {@code tokenizer.json};
 *   <li>{@code random:SHAPE}: random weights of shape {@code tiny}, {@code minilm-l6} or {@code bert-base}, for
 *       tests; {@code random:tiny@SEED} picks the seed.
 * </ul>
 */
public sealed interface ModelReference {

    String DEFAULT = "minilm-l6";

    String VALID_FORMS = "'minilm-l6', 'hf:/path/to/huggingface-dir' or 'random:tiny|minilm-l6|bert-base[@SEED]'";

    /** The canonical text of this reference. */
    String text();

    /** The default model, bundled in a Maven Central jar. */
    record Bundled(String name) implements ModelReference {
        @Override
        public String text() {
            return name;
        }
    }

    /** A HuggingFace model directory on the local file system. */
    record HuggingFaceDirectory(Path directory) implements ModelReference {
        @Override
        public String text() {
            return "hf:" + directory;
        }
    }

    /** Random weights of a known shape. */
    record RandomWeights(String shape, long seed) implements ModelReference {
        @Override
        public String text() {
            return "random:" + shape + "@" + seed;
        }
    }

    static ModelReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the model reference is empty; valid forms: " + VALID_FORMS);
        }
        String trimmed = text.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException(
                    "model reference '" + text + "' is a URL; models are never downloaded by reference. Valid forms: " + VALID_FORMS);
        }
        if (lower.equals(DEFAULT)) {
            return new Bundled(DEFAULT);
        }
        if (trimmed.startsWith("hf:")) {
            String path = trimmed.substring(3);
            if (path.isBlank()) {
                throw new IllegalArgumentException("model reference '" + text + "' names no directory; valid forms: " + VALID_FORMS);
            }
            try {
                return new HuggingFaceDirectory(Path.of(path));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("model reference '" + text + "' is not a valid path: " + e.getReason());
            }
        }
        if (lower.startsWith("random:")) {
            String rest = lower.substring("random:".length());
            String shape = rest;
            long seed = 0;
            int at = rest.indexOf('@');
            if (at >= 0) {
                shape = rest.substring(0, at);
                try {
                    seed = Long.parseLong(rest.substring(at + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("model reference '" + text + "' has a seed that is not an integer; valid forms: " + VALID_FORMS);
                }
            }
            if (!RandomBert.SHAPES.containsKey(shape)) {
                throw new IllegalArgumentException(
                        "model reference '" + text + "' names an unknown random shape '" + shape + "'; valid shapes: "
                                + String.join(", ", RandomBert.SHAPES.keySet()));
            }
            return new RandomWeights(shape, seed);
        }
        throw new IllegalArgumentException("unknown model reference '" + text + "'; valid forms: " + VALID_FORMS);
    }
}
