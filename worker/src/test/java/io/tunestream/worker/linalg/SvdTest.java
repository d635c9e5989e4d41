package io.tunestream.worker.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.saltedora.SaltEdoraMethod;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NamedParameters;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.Projection;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.tensor.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SvdTest {

    @Test
    void reconstructsRectangularAndPretrainedMatrices() {
        assertReconstructs(randomMatrix(48, 32, 1));
        assertReconstructs(randomMatrix(20, 36, 2));
        assertReconstructs(TestModels.miniLm().weights().get("encoder.layer.0.attention.self.query.weight"));
        assertReconstructs(TestModels.miniLm().weights().get("encoder.layer.3.intermediate.dense.weight"));
    }

    /**
     * The hybrid adapter's top and bottom blocks are disjoint: with alpha = -1 (top singular values removed) and
     * R = -diag(s_bottom) (bottom singular values removed), the merged weight keeps exactly the middle of the
     * spectrum. Overlapping blocks would remove a direction twice and leave a negative copy of it.
     */
    @Test
    void saltEdoraTopAndBottomBlocksAreDisjoint() {
        int rank = 3;
        HostTensor w = randomMatrix(16, 12, 3);
        ThinSvd svd = ThinSvd.of(w);
        try (NDManager manager = NDManager.newBaseManager()) {
            DenseLinear base = new DenseLinear(manager.create(w.values(), new Shape(16, 12)), manager.zeros(new Shape(16)), false);
            AdapterOptions options = AdapterOptions.defaults().withRank(rank).withTargets(List.of(TargetModule.QUERY));
            Projection adapter = new SaltEdoraMethod().patch(base, new AdapterContext(options, "test", () -> svd, manager, new Random(1)));
            Map<String, Parameter> parameters = NamedParameters.of(adapter);
            NdArrays.assign(parameters.get("salt_alpha").getArray(), new float[] {-1, -1, -1});
            float[] core = new float[rank * rank];
            for (int i = 0; i < rank; i++) {
                core[i * rank + i] = -svd.singularValues()[svd.rank() - rank + i];
            }
            NdArrays.assign(parameters.get("edora_R").getArray(), core);
            float[] merged = adapter.merge(manager).weight().getArray().toFloatArray();
            ThinSvd remaining = ThinSvd.of(new HostTensor(new long[] {16, 12}, merged));
            float[] expected = new float[12];
            System.arraycopy(svd.singularValues(), rank, expected, 0, 12 - 2 * rank);
            for (int i = 0; i < 12; i++) {
                assertEquals(expected[i], remaining.singularValues()[i], 1e-4, "singular value " + i);
            }
        }
    }

    @Test
    void decompositionsAreComputedOncePerModel() {
        PretrainedModel model = TestModels.CATALOG.load("random:tiny@5");
        AdapterOptions options = AdapterOptions.defaults().withRank(2);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(0, model.svds().computedCount());
            try (AdaptedModel first = TestModels.build(model, "salt_edora", options, manager)) {
                assertEquals(model.config().layerCount() * 3, model.svds().computedCount());
            }
            try (AdaptedModel second = TestModels.build(model, "salt", options, manager)) {
                assertEquals(model.config().layerCount() * 3, model.svds().computedCount(), "the second run reuses the cache");
            }
        }
    }

    private static void assertReconstructs(HostTensor w) {
        ThinSvd svd = ThinSvd.of(w);
        int rows = w.rows();
        int columns = w.columns();
        int k = svd.rank();
        assertEquals(Math.min(rows, columns), k);
        for (int i = 1; i < k; i++) {
            assertTrue(svd.singularValues()[i - 1] >= svd.singularValues()[i], "descending singular values");
        }
        double error = 0;
        double norm = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += (double) svd.u()[r * k + i] * svd.singularValues()[i] * svd.v()[c * k + i];
                }
                double value = w.values()[r * columns + c];
                error += (sum - value) * (sum - value);
                norm += value * value;
            }
        }
        double relative = Math.sqrt(error / norm);
        assertTrue(relative <= 1e-5, "relative reconstruction error " + relative);
    }

    private static HostTensor randomMatrix(int rows, int columns, long seed) {
        Random random = new Random(seed);
        float[] values = new float[rows * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return new HostTensor(new long[] {rows, columns}, values);
    }
}
