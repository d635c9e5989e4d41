package io.tunestream.worker;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import io.tunestream.worker.model.source.ModelCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Models and inputs shared by the tests; the catalog keeps each model (and its SVDs) for the whole test JVM. */
public final class TestModels {

    public static final ModelCatalog CATALOG = new ModelCatalog();
    public static final AdapterRegistry REGISTRY = AdapterRegistry.standard();

    private TestModels() {}

    /** The shared data directory beside the checkout (set by Surefire), holding glue-sst2/. */
    public static java.nio.file.Path sharedData() {
        String shared = System.getProperty("tunestream.shared.dir", "../../shared");
        return java.nio.file.Path.of(shared, "data");
    }

    /**
     * A dataset's digest as docs/worker.md ("Lineage") defines it, computed independently of the worker: SHA-256 over
     * each file's role ({@code train}, then {@code dev}), its length (8 bytes, big-endian) and its bytes.
     */
    public static String datasetSha256(java.nio.file.Path train, List<java.nio.file.Path> dev) throws java.io.IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        List<java.nio.file.Path> files = new ArrayList<>(List.of(train));
        files.addAll(dev);
        for (int i = 0; i < files.size(); i++) {
            byte[] bytes = java.nio.file.Files.readAllBytes(files.get(i));
            sha.update((i == 0 ? "train" : "dev").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
            sha.update(bytes);
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    public static PretrainedModel tiny() {
        return CATALOG.load("random:tiny");
    }

    public static PretrainedModel miniLm() {
        return CATALOG.load("minilm-l6");
    }

    /** Every method id with the option sets worth testing: salt_edora once per tail mode. */
    public static List<Object[]> methodVariants(AdapterOptions base) {
        List<Object[]> variants = new ArrayList<>();
        for (AdapterMethod method : REGISTRY.all()) {
            variants.add(new Object[] {method.id(), base});
            if (method.id().equals("salt_edora")) {
                variants.add(new Object[] {method.id(), base.withTailMode(io.tunestream.worker.adapter.TailMode.POLAR)});
            }
        }
        return variants;
    }

    public static AdaptedModel build(PretrainedModel model, String method, AdapterOptions options, NDManager manager) {
        return AdaptedModel.build(model, REGISTRY.get(method), options, 7, manager);
    }

    /**
     * What libtorch raises when its allocator cannot give memory: here, the CPU allocator asked for 1 TiB. Tests limit
     * device memory by throwing it (the trainer's DeviceMemory hook).
     */
    public static ai.djl.engine.EngineException libtorchOutOfMemory() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.zeros(new ai.djl.ndarray.types.Shape(1L << 38)).close();
        } catch (ai.djl.engine.EngineException e) {
            return e;
        }
        throw new AssertionError("a 1 TiB allocation succeeded");
    }

    /** Random token sequences of different lengths, so that padding is exercised. */
    public static List<long[]> randomSequences(int count, int vocab, long seed) {
        Random random = new Random(seed);
        List<long[]> sequences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long[] ids = new long[3 + random.nextInt(6)];
            ids[0] = 101 % vocab;
            for (int t = 1; t < ids.length; t++) {
                ids[t] = 1 + random.nextInt(vocab - 1);
            }
            sequences.add(ids);
        }
        return sequences;
    }

    /** Logits in evaluation mode (no dropout), as host floats. */
    public static float[] logits(AdaptedModel model, List<long[]> sequences) {
        try (StepScope scope = model.openStep()) {
            NDList inputs = TokenBatch.of(scope.manager(), sequences);
            return model.logits(scope, inputs, false).toFloatArray();
        }
    }
}
