using System.Text;
using Cacophony.Weights.Quantization;
using static Cacophony.Benchmarks.Peers.OnnxInitializers;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime's dynamic int8 form of a peer graph, as `onnxruntime.quantization.quantize_dynamic` leaves it after
/// ORT's own fusion: every dense layer (`Transpose(W)` then `MatMul(x, W^T)`, W a torch (out, in) weight) becomes one
/// com.microsoft `DynamicQuantizeMatMul(x, B, b_scale)`, with B the int8 (in, out) weight quantized per output
/// channel, symmetric (the same q and scales as our int8 files: <see cref="ChannelQuantizer"/>), and the activations
/// quantized by the op, per tensor, to uint8 with a zero point. Other weights become float initializers, as in
/// <see cref="OnnxInitializers"/>. Written on the protobuf wire format: NodeProto input 1, output 2, name 3,
/// op_type 4, domain 7; TensorProto data_type 3 = INT8; ModelProto opset_import 8 gains com.microsoft version 1.
/// </summary>
static class OnnxDynamicInt8
{
    public static byte[] Quantize(byte[] model, IReadOnlyDictionary<string, (int[] Shape, float[] Values)> weights)
    {
        var output = new MemoryStream();
        output.Write(WithGraph(model, (start, end) => Graph(model, start, end, weights)));
        var opset = new MemoryStream();
        WriteBytesField(opset, 1, Encoding.UTF8.GetBytes("com.microsoft"));
        WriteVarint(opset, 2 << 3 | 0);
        WriteVarint(opset, 1);
        WriteBytesField(output, 8, opset.ToArray());
        return output.ToArray();
    }

    sealed record Node(int Start, int End, string OpType, List<string> Inputs, List<string> Outputs);

    static byte[] Graph(byte[] model, int start, int end, IReadOnlyDictionary<string, (int[] Shape, float[] Values)> weights)
    {
        var nodes = new List<Node>();
        foreach (var (field, wireType, fieldStart, fieldEnd) in Fields(model, start, end))
            if (field == 1 && wireType == 2) nodes.Add(ReadNode(model, fieldStart, fieldEnd));

        // Transpose(W) feeding a MatMul's second input, W a rank-2 weight: the dense layers.
        var transposed = nodes.Where(n => n.OpType == "Transpose" && n.Inputs.Count == 1 && weights.TryGetValue(n.Inputs[0], out var w) && w.Shape.Length == 2)
            .ToDictionary(n => n.Outputs[0], n => n);
        var dense = nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2 && transposed.ContainsKey(n.Inputs[1])).ToList();
        var replaced = dense.ToDictionary(n => n.Start, n => transposed[n.Inputs[1]].Inputs[0]);
        var dropped = dense.Select(n => transposed[n.Inputs[1]].Start).ToHashSet();
        var quantized = replaced.Values.ToHashSet();

        var graph = new MemoryStream();
        foreach (var (field, wireType, fieldStart, fieldEnd) in Fields(model, start, end))
        {
            if (field == 1 && wireType == 2)
            {
                if (dropped.Contains(fieldStart)) continue;
                if (replaced.TryGetValue(fieldStart, out var weight))
                {
                    var node = ReadNode(model, fieldStart, fieldEnd);
                    WriteBytesField(graph, 1, DynamicQuantizeMatMul(node.Inputs[0], weight, node.Outputs[0]));
                    continue;
                }
            }
            if (field == 11 && wireType == 2)
            {
                var (payloadStart, _) = LengthDelimited(model, fieldStart);
                if (weights.ContainsKey(ValueInfoName(model, payloadStart, fieldEnd))) continue;
            }
            graph.Write(model, fieldStart, fieldEnd - fieldStart);
        }
        foreach (var (name, (shape, values)) in weights)
        {
            if (!quantized.Contains(name))
            {
                WriteBytesField(graph, 5, Tensor(name, shape, values));
                continue;
            }
            var (q, scales) = QuantizeTransposed(shape, values);
            WriteBytesField(graph, 5, Tensor(name + "_quantized", [shape[1], shape[0]], 3, (byte[])(Array)q)); // INT8
            WriteBytesField(graph, 5, Tensor(name + "_scale", [shape[0]], scales));
        }
        return graph.ToArray();
    }

    /// <summary>A torch (out, in) weight as int8 (in, out) per output channel, and its scales.</summary>
    static (sbyte[] Q, float[] Scales) QuantizeTransposed(int[] shape, float[] values)
    {
        int outputs = shape[0], inputs = shape[1];
        var canonical = new float[values.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) canonical[i * outputs + o] = values[o * inputs + i];
        var scales = new float[outputs];
        ChannelQuantizer.AccumulateMaxima(canonical, outputs, 0, 1, scales);
        ChannelQuantizer.ScalesFromMaxima(scales);
        var q = new sbyte[values.Length];
        ChannelQuantizer.QuantizeRows(canonical, outputs, 0, 1, scales, q);
        return (q, scales);
    }

    static byte[] DynamicQuantizeMatMul(string input, string weight, string output)
    {
        var node = new MemoryStream();
        WriteBytesField(node, 1, Encoding.UTF8.GetBytes(input));
        WriteBytesField(node, 1, Encoding.UTF8.GetBytes(weight + "_quantized"));
        WriteBytesField(node, 1, Encoding.UTF8.GetBytes(weight + "_scale"));
        WriteBytesField(node, 2, Encoding.UTF8.GetBytes(output));
        WriteBytesField(node, 3, Encoding.UTF8.GetBytes(output + "_int8"));
        WriteBytesField(node, 4, Encoding.UTF8.GetBytes("DynamicQuantizeMatMul"));
        WriteBytesField(node, 7, Encoding.UTF8.GetBytes("com.microsoft"));
        return node.ToArray();
    }

    static Node ReadNode(byte[] model, int fieldStart, int fieldEnd)
    {
        var (start, length) = LengthDelimited(model, fieldStart);
        var inputs = new List<string>();
        var outputs = new List<string>();
        string op = "";
        foreach (var (field, wireType, s, e) in Fields(model, start, start + length))
        {
            if (wireType != 2) continue;
            var (payload, size) = LengthDelimited(model, s);
            string text = Encoding.UTF8.GetString(model, payload, size);
            if (field == 1) inputs.Add(text);
            else if (field == 2) outputs.Add(text);
            else if (field == 4) op = text;
        }
        return new Node(fieldStart, fieldEnd, op, inputs, outputs);
    }
}
