package io.tunestream.worker.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The arrays of one forward (and backward) pass. DJL puts an operation's result in the manager of its first
 * operand, so an expression over parameters alone (DoRA's weight norm, a merged weight) would pile up in the
 * model's manager for the life of the run. A scope temporarily attaches every parameter and buffer of the model
 * to a fresh sub-manager; closing the scope frees all intermediates and hands the parameters back.
 *
 * <p>Open one scope per training step or evaluation batch, never nested on the same model.
 */
public final class StepScope implements AutoCloseable {

    private final NDManager manager;
    private final ParameterStore store;

    private StepScope(NDManager parent, Block model) {
        this.manager = parent.newSubManager();
        Set<NDResource> resources = Collections.newSetFromMap(new IdentityHashMap<>());
        collect(model, resources);
        manager.tempAttachAll(resources.toArray(NDResource[]::new));
        this.store = new ParameterStore(manager, false);
    }

    /** Opens a scope over every parameter and buffer of {@code model}, below {@code parent}. */
    public static StepScope open(NDManager parent, Block model) {
        return new StepScope(parent, model);
    }

    /** The manager for this pass's inputs and intermediates. */
    public NDManager manager() {
        return manager;
    }

    public ParameterStore store() {
        return store;
    }

    private static void collect(Block block, Set<NDResource> resources) {
        for (Pair<String, Parameter> parameter : block.getDirectParameters()) {
            resources.add(parameter.getValue().getArray());
        }
        if (block instanceof ModelBlock modelBlock) {
            resources.addAll(modelBlock.buffers());
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), resources);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
