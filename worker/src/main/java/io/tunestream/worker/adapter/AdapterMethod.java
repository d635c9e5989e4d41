package io.tunestream.worker.adapter;

import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;
import io.tunestream.worker.model.TargetModule;

/**
 * One fine-tuning method, registered in {@link AdapterRegistry} under its id. The id is the same everywhere:
 * Avro enum symbol, registry key, CLI value, metric label.
 */
public interface AdapterMethod {

    /** Lowercase id such as {@code lora}. */
    String id();

    /** One line for users: what is trained and where the method comes from. */
    String description();

    /** What becomes trainable in the pretrained backbone: nothing, except for full fine-tuning. */
    default boolean trainsBackbone() {
        return false;
    }

    /** Whether the method patches the target projections; {@code head_only} and {@code full} do not. */
    default boolean patchesProjections() {
        return true;
    }

    /**
     * The learning rate a run uses when none is given: adapters need far more than full fine-tuning's 3e-5
     * (the reference runs of docs/adapters.md on MiniLM-L6, batch 32, one epoch).
     */
    double defaultLearningRate();

    /** Default dropout on the adapter's input path. */
    default double defaultDropout() {
        return 0.0;
    }

    /**
     * Checks that the options fit a projection of shape (out, in) and fails with a message naming the bad value.
     *
     * @throws IllegalArgumentException if they do not
     */
    default void validate(AdapterOptions options, long out, long in) {
        long k = Math.min(out, in);
        if (options.rank() > k) {
            throw new InvalidFieldException("rank",
                    id() + ": rank " + options.rank() + " exceeds min(out, in) = " + k + " of a " + out + "x" + in + " projection");
        }
    }

    /** Trainable parameters this method adds to one projection of shape (out, in): docs/adapters.md's formula. */
    long trainableParameterCount(AdapterOptions options, long out, long in);

    /**
     * Trainable parameters outside the head for a whole model: the per-projection count over every layer and target.
     */
    default long adapterParameterCount(BertConfig config, AdapterOptions options) {
        long total = 0;
        for (TargetModule target : options.targets()) {
            long[] shape = ProjectionShapes.of(config, target);
            total += trainableParameterCount(options, shape[0], shape[1]);
        }
        return total * config.layerCount();
    }

    /** Wraps a frozen pretrained projection; the result must be the identity at initialisation. */
    Projection patch(DenseLinear base, AdapterContext context);
}
