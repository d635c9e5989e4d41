package io.tunestream.worker.checkpoint;

import ai.djl.nn.Parameter;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.tensor.HostTensor;
import io.tunestream.worker.tensor.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The trainable parameters of a model (adapter and head, never the frozen backbone) in one safetensors file, with
 * the method and its options in the file's metadata so that a mismatched restore is refused. Small: 259,202 floats
 * for LoRA r=8 on MiniLM.
 */
public final class AdapterCheckpoint {

    static final String METHOD = "tunestream.method";
    static final String OPTIONS = "tunestream.options";

    private AdapterCheckpoint() {}

    /** Writes the trainable parameters atomically: a crash mid-write leaves the previous file intact. */
    public static void save(AdaptedModel model, Path file) throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, p) -> tensors.put(name, HostTensor.of(p.getArray())));
        Map<String, String> metadata = Map.of(METHOD, model.method().id(), OPTIONS, describe(model.options()));
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Safetensors.write(temporary, tensors, metadata);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Restores the trainable parameters of a model built with the same method and options.
     *
     * @throws IllegalArgumentException if the file belongs to another method or options, or its tensors differ
     */
    public static void load(AdaptedModel model, Path file) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        String method = contents.metadata().get(METHOD);
        if (!model.method().id().equals(method)) {
            throw new IllegalArgumentException(
                    file + " holds a '" + method + "' checkpoint, the model uses '" + model.method().id() + "'");
        }
        String options = describe(model.options());
        if (!options.equals(contents.metadata().get(OPTIONS))) {
            throw new IllegalArgumentException(
                    file + " was written with options " + contents.metadata().get(OPTIONS) + ", the model has " + options);
        }
        Map<String, Parameter> trainable = model.trainableParameters();
        if (!trainable.keySet().equals(contents.tensors().keySet())) {
            TreeSet<String> missing = new TreeSet<>(trainable.keySet());
            missing.removeAll(contents.tensors().keySet());
            TreeSet<String> extra = new TreeSet<>(contents.tensors().keySet());
            extra.removeAll(trainable.keySet());
            throw new IllegalArgumentException(file + " does not match the model: missing " + missing + ", unexpected " + extra);
        }
        for (Map.Entry<String, Parameter> entry : trainable.entrySet()) {
            HostTensor tensor = contents.tensors().get(entry.getKey());
            long[] shape = entry.getValue().getArray().getShape().getShape();
            if (!Arrays.equals(shape, tensor.shape())) {
                throw new IllegalArgumentException(file + ": tensor '" + entry.getKey() + "' has shape "
                        + Arrays.toString(tensor.shape()) + ", the model needs " + Arrays.toString(shape));
            }
            NdArrays.assign(entry.getValue().getArray(), tensor.values());
        }
    }

    /** A canonical one-line form of the options, stored with the checkpoint. */
    static String describe(AdapterOptions options) {
        return "rank=" + options.rank()
                + ",alpha=" + options.alpha()
                + ",dropout=" + options.dropout()
                + ",targets=" + options.targets().stream().map(TargetModule::id).collect(Collectors.joining("+"))
                + ",tail=" + options.tailMode().id();
    }
}
