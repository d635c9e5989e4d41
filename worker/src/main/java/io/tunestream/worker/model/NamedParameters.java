package io.tunestream.worker.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every parameter of a block tree under its dotted HuggingFace name, in a stable order. */
public final class NamedParameters {

    private NamedParameters() {}

    public static Map<String, Parameter> of(Block root) {
        Map<String, Parameter> named = new LinkedHashMap<>();
        collect(root, "", named);
        return named;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> named) {
        for (Pair<String, Parameter> entry : block.getDirectParameters()) {
            if (named.put(prefix + entry.getKey(), entry.getValue()) != null) {
                throw new IllegalStateException("two parameters are named " + prefix + entry.getKey());
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), prefix + child.getKey() + ".", named);
        }
    }
}
