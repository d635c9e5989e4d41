package io.tunestream.worker.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.tensor.HostTensor;
import io.tunestream.worker.tensor.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a {@code lora} or {@code dora} run in PEFT's adapter format (PEFT docs, "PEFT checkpoint format"):
 * {@code adapter_config.json} and {@code adapter_model.safetensors} with keys
 * {@code base_model.model.bert.encoder.layer.N.attention.self.query.lora_A.weight}, {@code lora_B.weight} and, for
 * DoRA, {@code lora_magnitude_vector.weight}. The trained head goes in as {@code modules_to_save}
 * ({@code classifier}, and {@code pooler}, which all-MiniLM-L6-v2 lacks and so was trained from scratch).
 */
public final class PeftExport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "base_model.model.";

    private PeftExport() {}

    public static void write(AdaptedModel model, String baseModelName, Path directory) throws IOException {
        String method = model.method().id();
        if (!method.equals("lora") && !method.equals("dora")) {
            throw new IllegalArgumentException("the peft format holds lora and dora adapters; this run used '" + method
                    + "' (export it with --format hf instead)");
        }
        Files.createDirectories(directory);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, parameter) -> {
            HostTensor value = HostTensor.of(parameter.getArray());
            if (AdaptedModel.isHead(name)) {
                String exported = name.startsWith("pooler.") ? "bert." + name : name;
                tensors.put(PREFIX + exported, value);
            } else {
                String peftName = name.replace(".lora_A", ".lora_A.weight").replace(".lora_B", ".lora_B.weight")
                        .replace(".magnitude", ".lora_magnitude_vector.weight");
                tensors.put(PREFIX + "bert." + peftName, value);
            }
        });
        Safetensors.write(directory.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
        AdapterOptions options = model.options();
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", "LORA");
        config.put("task_type", "SEQ_CLS");
        config.put("base_model_name_or_path", baseModelName);
        config.put("r", options.rank());
        config.put("lora_alpha", options.alpha());
        config.put("lora_dropout", options.dropout());
        var targets = config.putArray("target_modules");
        options.targets().stream().map(TargetModule::id).forEach(targets::add);
        config.put("use_dora", method.equals("dora"));
        config.put("bias", "none");
        config.put("fan_in_fan_out", false);
        config.put("inference_mode", true);
        config.putArray("modules_to_save").add("classifier").add("pooler");
        JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve("adapter_config.json").toFile(), config);
    }
}
