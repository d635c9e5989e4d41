package io.tunestream.worker.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.lora.LoraMethod;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.TargetModule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Invalid options fail where they are built, with a message naming the value and what would be valid. */
class AdapterValidationTest {

    private static final BertConfig TINY = BertConfig.tiny();

    @Test
    void rankBelowOneIsRejected() {
        var error = assertThrows(IllegalArgumentException.class, () -> AdapterOptions.defaults().withRank(0));
        assertEquals("rank must be at least 1, got 0", error.getMessage());
    }

    @Test
    void nonPositiveAlphaAndBadDropoutAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterOptions.defaults().withAlpha(0))
                .getMessage().contains("alpha must be a positive number, got 0.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterOptions.defaults().withDropout(1.0))
                .getMessage().contains("dropout must be in [0, 1), got 1.0"));
    }

    @Test
    void rankAboveTheMatrixIsRejected() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> AdaptedModel.validate(TestModels.REGISTRY.get("lora"), AdapterOptions.defaults().withRank(33), TINY));
        assertEquals("lora: rank 33 exceeds min(out, in) = 32 of a 32x32 projection", error.getMessage());
    }

    @Test
    void saltEdoraNeedsDisjointBlocks() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> AdaptedModel.validate(TestModels.REGISTRY.get("salt_edora"), AdapterOptions.defaults().withRank(17), TINY));
        assertTrue(error.getMessage().contains("rank 17 needs 2r <= min(out, in) = 32"), error.getMessage());
        assertTrue(error.getMessage().contains("use rank <= 16"), error.getMessage());
        AdaptedModel.validate(TestModels.REGISTRY.get("salt_edora"), AdapterOptions.defaults().withRank(16), TINY);
    }

    @Test
    void invalidOptionsAllocateNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class,
                    () -> TestModels.build(TestModels.tiny(), "salt", AdapterOptions.defaults().withRank(32), manager));
            assertTrue(manager.getManagedArrays().isEmpty(), "no arrays left behind by a rejected build");
        }
    }

    @Test
    void unknownTargetIsRejected() {
        var error = assertThrows(IllegalArgumentException.class, () -> TargetModule.parseList("query,qery"));
        assertEquals("unknown target module 'qery'; valid targets: query, key, value, attention.output.dense, "
                + "intermediate.dense, output.dense", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdapterOptions.defaults().withTargets(List.of()));
    }

    @Test
    void unknownMethodIsRejected() {
        var error = assertThrows(IllegalArgumentException.class, () -> TestModels.REGISTRY.get("loraa"));
        assertEquals("unknown method 'loraa'; valid methods: lora, dora, salt, salt_edora, edora, head_only, full",
                error.getMessage());
    }

    @Test
    void registeringAnIdTwiceFailsLoudly() {
        AdapterRegistry registry = new AdapterRegistry();
        registry.register(new LoraMethod());
        var error = assertThrows(IllegalStateException.class, () -> registry.register(new LoraMethod()));
        assertTrue(error.getMessage().contains("'lora' is already registered"));
    }

    @Test
    void unknownTailModeIsRejected() {
        var error = assertThrows(IllegalArgumentException.class, () -> TailMode.fromId("radial"));
        assertEquals("unknown tail mode 'radial'; valid tail modes: free, polar", error.getMessage());
    }
}
