package io.tunestream.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * A float tensor in Java memory, row-major: the form in which pretrained weights are read from disk and kept
 * between runs, so that every run builds its model from the same untouched values.
 *
 * @param shape dimensions, outermost first
 * @param values {@code product(shape)} values
 */
public record HostTensor(long[] shape, float[] values) {

    public HostTensor {
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= dimension;
        }
        if (count != values.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + count + " values, got " + values.length);
        }
    }

    /** A host copy of an engine array of any floating-point type, as floats. */
    public static HostTensor of(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return new HostTensor(array.getShape().getShape(), array.toFloatArray());
        }
        try (NDArray widened = array.toType(DataType.FLOAT32, false)) {
            return new HostTensor(array.getShape().getShape(), widened.toFloatArray());
        }
    }

    public long elementCount() {
        return values.length;
    }

    /** Rows and columns of a matrix; fails for any other rank. */
    public int rows() {
        requireMatrix();
        return (int) shape[0];
    }

    public int columns() {
        requireMatrix();
        return (int) shape[1];
    }

    /** The transpose of a matrix: ONNX stores linear weights as (in, out), HuggingFace as (out, in). */
    public HostTensor transpose() {
        int rows = rows();
        int columns = columns();
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[c * rows + r] = values[r * columns + c];
            }
        }
        return new HostTensor(new long[] {columns, rows}, out);
    }

    private void requireMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("expected a matrix, got shape " + Arrays.toString(shape));
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HostTensor that
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
