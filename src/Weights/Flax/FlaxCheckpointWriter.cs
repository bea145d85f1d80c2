using System.Buffers;
using MessagePack;

namespace Cacophony.Weights.Flax;

/// <summary>
/// Writes a checkpoint as flax.serialization does (nested msgpack maps, ndarray leaves as ext type 1
/// of [shape, dtype name, C-order bytes]), streaming leaf by leaf. Used to make full-size synthetic
/// checkpoints for benchmarks and tests; keys are written in ordinal order at every level.
/// </summary>
public static class FlaxCheckpointWriter
{
    /// <summary>An array leaf: its bytes are produced only when the writer reaches it.</summary>
    public sealed record Leaf(DType DType, int[] Shape, Action<Span<byte>> Fill)
    {
        public long ByteCount => TensorShape.ElementCount(Shape) * DType.Size();
    }

    /// <param name="leaves">'/'-joined paths from the root, e.g. "0/params/text_proj/kernel".</param>
    public static void Write(Stream output, IReadOnlyDictionary<string, Leaf> leaves)
    {
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (path, leaf) in leaves)
        {
            var parts = path.Split('/');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child)) node[part] = child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                node = child as SortedDictionary<string, object> ?? throw new ArgumentException($"'{path}' nests under a leaf");
            }
            node[parts[^1]] = leaf;
        }
        WriteNode(output, root);
    }

    static void WriteNode(Stream output, object node)
    {
        if (node is Leaf leaf)
        {
            WriteLeaf(output, leaf);
            return;
        }
        var map = (SortedDictionary<string, object>)node;
        output.Write(Encode((ref MessagePackWriter w) => w.WriteMapHeader(map.Count)));
        foreach (var (key, child) in map)
        {
            output.Write(Encode((ref MessagePackWriter w) => w.Write(key)));
            WriteNode(output, child);
        }
    }

    static void WriteLeaf(Stream output, Leaf leaf)
    {
        string dtypeName = leaf.DType switch
        {
            DType.Float32 => "float32",
            DType.Float16 => "float16",
            DType.BFloat16 => "bfloat16",
            DType.Float64 => "float64",
            DType.Int32 => "int32",
            DType.Int64 => "int64",
            _ => throw new ArgumentOutOfRangeException(nameof(leaf)),
        };
        long bytes = leaf.ByteCount;
        if (bytes > int.MaxValue) throw new ArgumentException("arrays over 2 GB must be chunked");
        var inner = Encode((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.WriteArrayHeader(leaf.Shape.Length);
            foreach (int d in leaf.Shape) w.Write(d);
            w.Write(dtypeName);
            w.WriteBinHeader((int)bytes);
        });
        output.Write(Encode((ref MessagePackWriter w) => w.WriteExtensionFormatHeader(new ExtensionHeader(1, (uint)(inner.Length + bytes)))));
        output.Write(inner);
        var data = new byte[bytes];
        leaf.Fill(data);
        output.Write(data);
    }

    delegate void Encoder(ref MessagePackWriter writer);

    static byte[] Encode(Encoder encode)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        encode(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
