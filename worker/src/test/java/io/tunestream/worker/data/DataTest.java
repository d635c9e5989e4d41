package io.tunestream.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.tunestream.worker.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import io.tunestream.worker.task.Task;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data pipeline on the real SST-2 files. */
class DataTest {

    private static DatasetCatalog.DatasetFiles sst2;
    private static EncodedDataset train;

    @BeforeAll
    static void encode() {
        sst2 = new DatasetCatalog(Optional.of(TestModels.sharedData())).resolve("glue-sst2");
        try (HuggingFaceTokenizer tokenizer = TestModels.miniLm().tokenizer().orElseThrow().tokenizer(128)) {
            train = EncodedDataset.encode(read(sst2.train()), Task.Kind.CLASSIFICATION, tokenizer);
        }
    }

    @Test
    void readsBothSplitsCompletely() {
        assertEquals(67_349, train.size());
        List<Example> dev = read(sst2.dev().get(0));
        assertEquals(872, dev.size());
        assertEquals("it 's a charming and often affecting journey .", dev.get(0).text());
        assertEquals(1, dev.get(0).label());
    }

    @Test
    void tokenizationIsUnpaddedWithSpecialTokens() {
        assertEquals(101, train.tokenIds(0)[0]);
        assertEquals(102, train.tokenIds(0)[train.length(0) - 1]);
        Set<Integer> lengths = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            lengths.add(train.length(i));
        }
        assertTrue(lengths.size() > 10, "lengths vary: no padding to a fixed length");
        double mean = (double) train.tokenCount() / train.size();
        assertEquals(13.3, mean, 0.2, "docs/adapters.md: SST-2 train sentences average 13.3 tokens");
    }

    @Test
    void batchPlanIsDeterministicPerSeedAndEpochAndCoversEveryExample() {
        List<int[]> first = BatchPlan.training(train, 32, 42, 0);
        List<int[]> again = BatchPlan.training(train, 32, 42, 0);
        assertEquals(first.size(), again.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), again.get(i));
        }
        assertEquals(2105, first.size());
        assertNotEquals(first.get(0)[0], BatchPlan.training(train, 32, 42, 1).get(0)[0], "another epoch, another order");
        boolean[] seen = new boolean[train.size()];
        for (int[] batch : first) {
            for (int index : batch) {
                assertTrue(!seen[index], "example " + index + " twice in one epoch");
                seen[index] = true;
            }
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    @Test
    void lengthBucketingKeepsPaddingLow() {
        double bucketed = BatchPlan.paddingRatio(train, BatchPlan.training(train, 32, 42, 0));
        assertTrue(bucketed <= 1.05, "padding ratio " + bucketed);
        // without bucketing (one batch per pool, i.e. plain shuffling) padding would cost far more
        java.util.List<int[]> plain = new java.util.ArrayList<>();
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(42));
        for (int b = 0; b < order.size(); b += 32) {
            plain.add(order.subList(b, Math.min(order.size(), b + 32)).stream().mapToInt(Integer::intValue).toArray());
        }
        assertTrue(BatchPlan.paddingRatio(train, plain) > 2, "unbucketed padding ratio");
    }

    @Test
    void subsetsAreSeededDrawsFromTheWholeFile() {
        List<Example> all = read(sst2.train());
        List<Example> a = EncodedDataset.subset(all, 1000, 7);
        assertEquals(a, EncodedDataset.subset(all, 1000, 7));
        assertNotEquals(a, EncodedDataset.subset(all, 1000, 8));
        long positives = a.stream().filter(e -> e.label() == 1).count();
        assertTrue(positives > 450 && positives < 650, "about SST-2's 56% positives, got " + positives);
    }

    @Test
    void malformedFilesNameTheLine(@TempDir Path dir) throws Exception {
        Path badLabel = dir.resolve("bad.tsv");
        Files.writeString(badLabel, "sentence\tlabel\ngood movie\t1\nbad movie\tnegative\n");
        assertEquals(badLabel + ":3: column 'label': label 'negative' is not one of the task's labels [0, 1]",
                assertThrows(IllegalArgumentException.class, () -> read(badLabel)).getMessage());
        Path noLabel = dir.resolve("nolabel.tsv");
        Files.writeString(noLabel, "text\tscore\na\t1\n");
        assertEquals(noLabel + ":1: no column 'sentence'; the header has [text, score]",
                assertThrows(IllegalArgumentException.class, () -> read(noLabel)).getMessage());
        Path fields = dir.resolve("fields.tsv");
        Files.writeString(fields, "sentence\tlabel\njust one field\n");
        assertEquals(fields + ":2: expected 2 fields as the header has, found 1",
                assertThrows(IllegalArgumentException.class, () -> read(fields)).getMessage());
        assertEquals("data file " + dir.resolve("none.tsv") + " does not exist",
                assertThrows(IllegalArgumentException.class, () -> read(dir.resolve("none.tsv"))).getMessage());
    }

    /** A file in SST-2's layout, read as the binary task. */
    static List<Example> read(Path file) {
        DataLayout layout = GlueTask.SST2.layout();
        return DatasetReader.examples(DatasetReader.rows(file, layout), Task.BINARY, layout);
    }

    @Test
    void aMissingDatasetSaysWhereToPutIt(@TempDir Path empty) {
        String message = assertThrows(IllegalArgumentException.class,
                () -> new DatasetCatalog(Optional.of(empty)).resolve("glue-sst2")).getMessage();
        assertTrue(message.startsWith("GLUE SST-2 not found: looked for glue-sst2/train.tsv and dev.tsv in [" + empty), message);
        assertTrue(message.contains("tunestream data fetch glue-sst2"), message);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DatasetCatalog(Optional.empty()).resolve("imdb"))
                .getMessage().startsWith("unknown dataset 'imdb'; valid datasets: glue-cola, glue-mnli, glue-mrpc, glue-qnli,"
                        + " glue-qqp, glue-rte, glue-sst2, glue-stsb, glue-wnli"));
    }
}
