package io.tunestream.worker.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.TargetModule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Trainable-parameter counts of built models against docs/adapters.md's formulas and its reference numbers. */
class ParameterCountTest {

    /** docs/adapters.md, Trainable parameters: BERT-base, Q/K/V, r = 8, head excluded. */
    private static final Map<String, Long> BERT_BASE_REFERENCE =
            Map.of("lora", 442_368L, "dora", 470_016L, "salt", 438_336L, "salt_edora", 2_880L);

    @Test
    void bertBaseShapedModelHasTheReferenceCounts() {
        PretrainedModel bertBase = TestModels.CATALOG.load("random:bert-base");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Map.Entry<String, Long> reference : BERT_BASE_REFERENCE.entrySet()) {
                AdapterMethod method = TestModels.REGISTRY.get(reference.getKey());
                assertEquals(reference.getValue(), method.adapterParameterCount(bertBase.config(), AdapterOptions.defaults()),
                        reference.getKey() + " formula");
                try (AdaptedModel model = TestModels.build(bertBase, reference.getKey(), AdapterOptions.defaults(), manager)) {
                    ParameterCounts counts = model.parameterCounts();
                    assertEquals(reference.getValue(), counts.adapter(), reference.getKey() + " built model");
                    assertEquals(768 * 768 + 768 + 768 * 2 + 2, counts.head(), "BERT-base head");
                }
            }
        }
    }

    @Test
    void miniLmHasTheCountsOfTheReferenceRuns() {
        // docs/adapters.md's PyTorch reference table (Reference measurements): lora 110,592 + 148,610; salt_edora 1,440 + 148,610; full 22,565,376 + 148,610
        Map<String, Long> adapters = Map.of("lora", 110_592L, "salt_edora", 1_440L, "head_only", 0L, "full", 22_565_376L);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Map.Entry<String, Long> expected : adapters.entrySet()) {
                try (AdaptedModel model = TestModels.build(TestModels.miniLm(), expected.getKey(), AdapterOptions.defaults(), manager)) {
                    ParameterCounts counts = model.parameterCounts();
                    assertEquals(expected.getValue(), counts.adapter(), expected.getKey());
                    assertEquals(148_610, counts.head(), expected.getKey() + " head");
                    assertEquals(22_565_376L + 148_610L + (expected.getKey().equals("full") || expected.getKey().equals("head_only") ? 0 : expected.getValue()),
                            counts.total(), expected.getKey() + " total");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"query,key,value", "query,key,value,attention.output.dense,intermediate.dense,output.dense", "intermediate.dense"})
    void everyMethodMatchesItsFormula(String targets) {
        PretrainedModel tiny = TestModels.tiny();
        BertConfig config = tiny.config();
        List<TargetModule> modules = TargetModule.parseList(targets);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Object[] variant : TestModels.methodVariants(AdapterOptions.defaults().withRank(3).withTargets(modules))) {
                String id = (String) variant[0];
                AdapterOptions options = (AdapterOptions) variant[1];
                AdapterMethod method = TestModels.REGISTRY.get(id);
                try (AdaptedModel model = TestModels.build(tiny, id, options, manager)) {
                    assertEquals(method.adapterParameterCount(config, options), model.parameterCounts().adapter(), id + " " + options);
                }
            }
        }
    }
}
