package io.tunestream.worker.model.source;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.tunestream.worker.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model file needed to lift its weights: float initializers and the graph's nodes.
 *
 * <p>Hand-written over protobuf-java's wire reader because no maintained Java library ships the ONNX message
 * classes without a native runtime; only the fields below are read (field numbers from onnx/onnx.proto):
 * ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1, output = 2, name = 3,
 * op_type = 4; TensorProto.dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9.
 */
public final class OnnxGraph {

    /** TensorProto.DataType.FLOAT. */
    private static final int FLOAT = 1;

    /** A graph node: its name, operator and input names. */
    public record Node(String name, String opType, List<String> inputs) {}

    private final Map<String, HostTensor> initializers;
    private final List<Node> nodes;

    private OnnxGraph(Map<String, HostTensor> initializers, List<Node> nodes) {
        this.initializers = initializers;
        this.nodes = nodes;
    }

    /** Float initializers by name, in file order; initializers of other types are skipped. */
    public Map<String, HostTensor> initializers() {
        return initializers;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public static OnnxGraph parse(byte[] model) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(model);
        in.setSizeLimit(Integer.MAX_VALUE);
        Map<String, HostTensor> initializers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        boolean sawGraph = false;
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                sawGraph = true;
                int limit = in.pushLimit(in.readRawVarint32());
                readGraph(in, initializers, nodes);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        if (!sawGraph) {
            throw new IOException("not an ONNX model: no graph found");
        }
        return new OnnxGraph(initializers, nodes);
    }

    private static void readGraph(CodedInputStream in, Map<String, HostTensor> initializers, List<Node> nodes)
            throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 5) {
                int limit = in.pushLimit(in.readRawVarint32());
                if (field == 1) {
                    nodes.add(readNode(in));
                } else {
                    readTensor(in, initializers);
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        String name = "";
        String opType = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> opType = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, opType, List.copyOf(inputs));
    }

    private static void readTensor(CodedInputStream in, Map<String, HostTensor> initializers) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        List<Float> floatData = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wireType = WireFormat.getTagWireType(tag);
            if (field == 1 && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    dims.add(in.readInt64());
                }
                in.popLimit(limit);
            } else if (field == 1) {
                dims.add(in.readInt64());
            } else if (field == 2) {
                dataType = in.readInt32();
            } else if (field == 4 && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    floatData.add(in.readFloat());
                }
                in.popLimit(limit);
            } else if (field == 4) {
                floatData.add(in.readFloat());
            } else if (field == 8) {
                name = in.readStringRequireUtf8();
            } else if (field == 9) {
                raw = in.readByteArray();
            } else {
                in.skipField(tag);
            }
        }
        if (dataType != FLOAT) {
            return;
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        float[] values;
        if (raw != null) {
            values = new float[raw.length / Float.BYTES];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            values = new float[floatData.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = floatData.get(i);
            }
        }
        initializers.put(name, new HostTensor(shape, values));
    }
}
