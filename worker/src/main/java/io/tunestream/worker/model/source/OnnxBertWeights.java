package io.tunestream.worker.model.source;

import io.tunestream.worker.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lifts a BERT exported to ONNX by HuggingFace back to {@code BertModel} parameter names. Biases, embeddings
 * and LayerNorms keep their names in the export; the linear weights become anonymous {@code onnx::MatMul_NNN}
 * initializers stored transposed as (in, out). Each is named after the MatMul node that consumes it:
 * {@code /encoder/layer.0/attention/self/query/MatMul} consumes {@code encoder.layer.0.attention.self.query.weight}.
 */
final class OnnxBertWeights {

    private static final String ANONYMOUS = "onnx::";

    private OnnxBertWeights() {}

    static Map<String, HostTensor> of(OnnxGraph graph) {
        Map<String, HostTensor> initializers = graph.initializers();
        Map<String, HostTensor> named = new LinkedHashMap<>();
        initializers.forEach(
                (name, tensor) -> {
                    if (!name.startsWith(ANONYMOUS)) {
                        named.put(name, tensor);
                    }
                });
        TreeSet<String> unmapped = new TreeSet<>();
        initializers.keySet().stream().filter(n -> n.startsWith(ANONYMOUS)).forEach(unmapped::add);
        for (OnnxGraph.Node node : graph.nodes()) {
            if (!node.opType().equals("MatMul") || !node.name().endsWith("/MatMul")) {
                continue;
            }
            for (String input : node.inputs()) {
                if (input.startsWith(ANONYMOUS) && initializers.containsKey(input)) {
                    String module = node.name().substring(1, node.name().length() - "/MatMul".length());
                    named.put(module.replace('/', '.') + ".weight", initializers.get(input).transpose());
                    unmapped.remove(input);
                }
            }
        }
        if (!unmapped.isEmpty()) {
            throw new IllegalArgumentException(
                    "cannot name " + unmapped.size() + " ONNX initializers through the graph, e.g. " + unmapped.first());
        }
        return named;
    }
}
