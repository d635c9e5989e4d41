package io.tunestream.worker.adapter;

import io.tunestream.schemas.InvalidFieldException;
import java.util.Locale;

/** How {@code salt_edora} applies its update (the notebook's {@code tail_mode}). */
public enum TailMode {
    /** Additive, LoRA style: {@code y = y0 + delta(x)}. */
    FREE,
    /** DoRA's magnitude/direction split applied to {@code W + dW}. */
    POLAR;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TailMode fromId(String id) {
        for (TailMode mode : values()) {
            if (mode.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new InvalidFieldException("tailMode", "unknown tail mode '" + id + "'; valid tail modes: free, polar");
    }
}
