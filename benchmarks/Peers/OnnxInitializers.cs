using System.Text;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// Turns weight inputs of an ONNX model into initializers, so that ONNX Runtime constant-folds and
/// pre-packs them at session creation (its fastest configuration; see ../shared/onnx/README.md).
/// Works on the protobuf wire format directly: ModelProto.graph (7) -> GraphProto.input (11, ValueInfoProto
/// with name 1) are dropped for the weights and GraphProto.initializer (5) gains a TensorProto per weight
/// (dims 1, data_type 2 = FLOAT, name 8, raw_data 9). Everything else is copied byte for byte.
/// </summary>
static class OnnxInitializers
{
    public static byte[] Embed(byte[] model, IReadOnlyDictionary<string, (int[] Shape, float[] Values)> weights) =>
        WithGraph(model, (start, end) => Graph(model, start, end, weights));

    /// <summary>The model with its graph (ModelProto field 7) replaced by what `graph` makes of the old one's byte range.</summary>
    internal static byte[] WithGraph(byte[] model, Func<int, int, byte[]> graph)
    {
        var output = new MemoryStream();
        foreach (var (field, wireType, start, end) in Fields(model, 0, model.Length))
        {
            if (field == 7 && wireType == 2)
            {
                var (payloadStart, _) = LengthDelimited(model, start);
                WriteBytesField(output, 7, graph(payloadStart, end));
            }
            else output.Write(model, start, end - start);
        }
        return output.ToArray();
    }

    static byte[] Graph(byte[] model, int start, int end, IReadOnlyDictionary<string, (int[] Shape, float[] Values)> weights)
    {
        var graph = new MemoryStream();
        var found = new HashSet<string>();
        foreach (var (field, wireType, fieldStart, fieldEnd) in Fields(model, start, end))
        {
            if (field == 11 && wireType == 2)
            {
                var (payloadStart, _) = LengthDelimited(model, fieldStart);
                string name = ValueInfoName(model, payloadStart, fieldEnd);
                if (weights.ContainsKey(name))
                {
                    found.Add(name);
                    continue;
                }
            }
            graph.Write(model, fieldStart, fieldEnd - fieldStart);
        }
        var missing = weights.Keys.Except(found).ToList();
        if (missing.Count > 0) throw new ArgumentException($"the graph has no input named {missing[0]}");
        foreach (var (name, (shape, values)) in weights) WriteBytesField(graph, 5, Tensor(name, shape, values));
        return graph.ToArray();
    }

    internal static byte[] Tensor(string name, int[] shape, float[] values)
    {
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return Tensor(name, shape, 1, raw); // FLOAT
    }

    /// <summary>A TensorProto: dims 1, data_type 2 (1 FLOAT, 3 INT8), name 8, raw_data 9.</summary>
    internal static byte[] Tensor(string name, int[] shape, int dataType, byte[] raw)
    {
        var tensor = new MemoryStream();
        foreach (int d in shape)
        {
            WriteVarint(tensor, 1 << 3 | 0);
            WriteVarint(tensor, (ulong)d);
        }
        WriteVarint(tensor, 2 << 3 | 0);
        WriteVarint(tensor, (ulong)dataType);
        WriteBytesField(tensor, 8, Encoding.UTF8.GetBytes(name));
        WriteBytesField(tensor, 9, raw);
        return tensor.ToArray();
    }

    internal static string ValueInfoName(byte[] buffer, int start, int end)
    {
        foreach (var (field, wireType, fieldStart, _) in Fields(buffer, start, end))
            if (field == 1 && wireType == 2)
            {
                var (payloadStart, length) = LengthDelimited(buffer, fieldStart);
                return Encoding.UTF8.GetString(buffer, payloadStart, length);
            }
        return "";
    }

    /// <summary>The fields in [start, end): number, wire type, and the byte range of the whole field (key included).</summary>
    internal static IEnumerable<(int Field, int WireType, int Start, int End)> Fields(byte[] buffer, int start, int end)
    {
        int position = start;
        while (position < end)
        {
            int fieldStart = position;
            ulong key = ReadVarint(buffer, ref position);
            int wireType = (int)(key & 7), field = (int)(key >> 3);
            switch (wireType)
            {
                case 0: ReadVarint(buffer, ref position); break;
                case 1: position += 8; break;
                case 2:
                    int length = (int)ReadVarint(buffer, ref position); // read first: `position +=` would use the old position
                    position += length;
                    break;
                case 5: position += 4; break;
                default: throw new FormatException($"unsupported protobuf wire type {wireType}");
            }
            yield return (field, wireType, fieldStart, position);
        }
    }

    internal static (int PayloadStart, int Length) LengthDelimited(byte[] buffer, int fieldStart)
    {
        int position = fieldStart;
        ReadVarint(buffer, ref position);
        int length = (int)ReadVarint(buffer, ref position);
        return (position, length);
    }

    static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    internal static void WriteVarint(Stream output, ulong value)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        output.WriteByte((byte)value);
    }

    internal static void WriteBytesField(Stream output, int field, byte[] payload)
    {
        WriteVarint(output, (ulong)(field << 3 | 2));
        WriteVarint(output, (ulong)payload.Length);
        output.Write(payload);
    }
}
