using System.Text;
using static Cacophony.Benchmarks.Peers.OnnxInitializers;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// A one-node ONNX model, Y[M, N] = MatMul(A[M, K], B) with B a constant initializer, so ONNX Runtime
/// pre-packs B for its MLAS GEMM at session creation: the GEMM peer of <see cref="Kernels.GemmBenchmarks"/>.
/// Written field by field in the protobuf wire format (ModelProto: ir_version 1, graph 7, opset_import 8;
/// GraphProto: node 1, name 2, initializer 5, input 11, output 12; NodeProto: input 1, output 2, op_type 4;
/// ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1).
/// </summary>
static class OnnxMatMulGraph
{
    public static byte[] Create(int m, int k, int n, float[] b)
    {
        var node = new MemoryStream();
        WriteString(node, 1, "A");
        WriteString(node, 1, "B");
        WriteString(node, 2, "Y");
        WriteString(node, 4, "MatMul");

        var graph = new MemoryStream();
        WriteBytesField(graph, 1, node.ToArray());
        WriteString(graph, 2, "matmul");
        WriteBytesField(graph, 5, Tensor("B", [k, n], b));
        WriteBytesField(graph, 11, ValueInfo("A", [m, k]));
        WriteBytesField(graph, 12, ValueInfo("Y", [m, n]));

        var opset = new MemoryStream();
        WriteString(opset, 1, "");
        WriteVarint(opset, 2 << 3 | 0);
        WriteVarint(opset, 17);

        var model = new MemoryStream();
        WriteVarint(model, 1 << 3 | 0);
        WriteVarint(model, 8); // IR version 8 (ONNX 1.10+)
        WriteBytesField(model, 7, graph.ToArray());
        WriteBytesField(model, 8, opset.ToArray());
        return model.ToArray();
    }

    static byte[] ValueInfo(string name, int[] shape)
    {
        var dims = new MemoryStream();
        foreach (int d in shape)
        {
            var dim = new MemoryStream();
            WriteVarint(dim, 1 << 3 | 0);
            WriteVarint(dim, (ulong)d);
            WriteBytesField(dims, 1, dim.ToArray());
        }
        var tensorType = new MemoryStream();
        WriteVarint(tensorType, 1 << 3 | 0);
        WriteVarint(tensorType, 1); // FLOAT
        WriteBytesField(tensorType, 2, dims.ToArray());
        var type = new MemoryStream();
        WriteBytesField(type, 1, tensorType.ToArray());
        var info = new MemoryStream();
        WriteString(info, 1, name);
        WriteBytesField(info, 2, type.ToArray());
        return info.ToArray();
    }

    static void WriteString(Stream output, int field, string value) => WriteBytesField(output, field, Encoding.UTF8.GetBytes(value));
}
