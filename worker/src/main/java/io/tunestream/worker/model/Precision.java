package io.tunestream.worker.model;

import ai.djl.ndarray.types.DataType;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.InvalidFieldException;
import java.util.Arrays;

/**
 * The arithmetic of a run's steps (docs/worker.md, Precision).
 *
 * <ul>
 *   <li>{@code fp32}: everything in float32.
 *   <li>{@code fp16}: mixed precision as in Micikevicius et al., 2018, "Mixed Precision Training": the frozen backbone
 *       held in float16 (half its memory), activations and matrix products in float16; LayerNorm, softmax and the loss
 *       in float32; trainable parameters, their gradients and AdamW's moments in float32; the loss scaled dynamically
 *       (sec. 3.2) so that small gradients survive float16's range.
 * </ul>
 *
 * <p>{@code bf16} is refused by name: DJL's PyTorch bindings (0.36) map no data type to libtorch's bfloat16, and a
 * tensor converted to it aborts the process (docs/worker.md, Precision).
 */
public enum Precision {
    FP32("fp32", DataType.FLOAT32),
    FP16("fp16", DataType.FLOAT16);

    public static final Precision DEFAULT = FP32;

    private final String id;
    private final DataType activations;

    Precision(String id, DataType activations) {
        this.id = id;
        this.activations = activations;
    }

    public String id() {
        return id;
    }

    /** The type of activations and of the frozen backbone's weights. */
    public DataType activations() {
        return activations;
    }

    /** Whether the loss is scaled dynamically: float16 gradients underflow without it. */
    public boolean scalesLoss() {
        return this == FP16;
    }

    /**
     * The precision named {@code id}.
     *
     * @throws InvalidFieldException for the field {@code precision}, naming the value and the valid ones
     */
    public static Precision fromId(String id) {
        String valid = (String) ExperimentField.PRECISION.normalise(id, "");
        return Arrays.stream(values()).filter(p -> p.id.equals(valid)).findFirst().orElseThrow();
    }
}
