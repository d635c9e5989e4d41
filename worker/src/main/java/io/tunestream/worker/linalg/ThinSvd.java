package io.tunestream.worker.linalg;

import io.tunestream.worker.tensor.HostTensor;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Thin singular value decomposition {@code W = U diag(s) V^T} of a (rows, cols) matrix, {@code k = min(rows, cols)},
 * singular values in descending order. Computed in double precision with EJML (DJL has no SVD), kept as floats
 * since the model runs in float32.
 *
 * @param rows rows of W (the layer's output features)
 * @param columns columns of W (the layer's input features)
 * @param u left singular vectors, (rows, k) row-major
 * @param singularValues s, length k, descending
 * @param v right singular vectors, (columns, k) row-major
 */
public record ThinSvd(int rows, int columns, float[] u, float[] singularValues, float[] v) {

    public int rank() {
        return singularValues.length;
    }

    /** Decomposes a (rows, cols) matrix. */
    public static ThinSvd of(HostTensor matrix) {
        int rows = matrix.rows();
        int columns = matrix.columns();
        DMatrixRMaj a = new DMatrixRMaj(rows, columns);
        float[] values = matrix.values();
        for (int i = 0; i < values.length; i++) {
            a.data[i] = values[i];
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, columns, true, true, true);
        if (!svd.decompose(a)) {
            throw new ArithmeticException("SVD did not converge for a " + rows + "x" + columns + " matrix");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        int k = Math.min(rows, columns);
        float[] s = new float[k];
        for (int i = 0; i < k; i++) {
            s[i] = (float) w.get(i, i);
        }
        return new ThinSvd(rows, columns, toFloats(u), s, toFloats(v));
    }

    /** Columns {@code from..to-1} of U, as a (rows, to-from) tensor. */
    public HostTensor uColumns(int from, int to) {
        return columns(u, rows, from, to);
    }

    /** Columns {@code from..to-1} of V, as a (columns, to-from) tensor. */
    public HostTensor vColumns(int from, int to) {
        return columns(v, columns, from, to);
    }

    /** Singular values {@code from..to-1}. */
    public HostTensor values(int from, int to) {
        float[] out = new float[to - from];
        System.arraycopy(singularValues, from, out, 0, out.length);
        return new HostTensor(new long[] {out.length}, out);
    }

    private HostTensor columns(float[] matrix, int height, int from, int to) {
        int k = rank();
        if (from < 0 || to > k || from > to) {
            throw new IndexOutOfBoundsException("columns " + from + ".." + to + " of a rank-" + k + " SVD");
        }
        int width = to - from;
        float[] out = new float[height * width];
        for (int r = 0; r < height; r++) {
            System.arraycopy(matrix, r * k + from, out, r * width, width);
        }
        return new HostTensor(new long[] {height, width}, out);
    }

    private static float[] toFloats(DMatrixRMaj matrix) {
        float[] out = new float[matrix.getNumElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) matrix.data[i];
        }
        return out;
    }
}
