package io.tunestream.worker.adapter;

import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.TargetModule;

/** The (out, in) shape of each target projection in a BERT layer of a given configuration. */
public final class ProjectionShapes {

    private ProjectionShapes() {}

    public static long[] of(BertConfig config, TargetModule target) {
        long h = config.hiddenSize();
        long inner = config.intermediateSize();
        return switch (target) {
            case QUERY, KEY, VALUE, ATTENTION_OUTPUT -> new long[] {h, h};
            case INTERMEDIATE -> new long[] {inner, h};
            case OUTPUT -> new long[] {h, inner};
        };
    }
}
