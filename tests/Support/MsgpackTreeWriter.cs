using System.Buffers;
using MessagePack;

namespace Cacophony.Tests.Support;

/// <summary>
/// Writes Flax-style msgpack files for tests, independently of the reader under test: nested maps
/// built from '/'-joined paths, ndarray leaves as ext type 1 holding [shape, dtype name, bytes].
/// </summary>
public static class MsgpackTreeWriter
{
    public sealed record Array(string DType, int[] Shape, byte[] Data);

    /// <summary>A leaf written verbatim by a callback (chunked arrays, scalars, odd values).</summary>
    public sealed record Raw(WriteLeaf Write);

    public delegate void WriteLeaf(ref MessagePackWriter writer);

    public static byte[] Serialize(IReadOnlyDictionary<string, object> leaves)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WriteNode(ref writer, BuildTree(leaves));
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteNdArray(ref MessagePackWriter writer, Array array, sbyte extType = 1)
    {
        var payload = new ArrayBufferWriter<byte>();
        var inner = new MessagePackWriter(payload);
        inner.WriteArrayHeader(3);
        inner.WriteArrayHeader(array.Shape.Length);
        foreach (int d in array.Shape) inner.Write(d);
        inner.Write(array.DType);
        inner.Write(array.Data);
        inner.Flush();
        writer.WriteExtensionFormat(new ExtensionResult(extType, payload.WrittenMemory.ToArray()));
    }

    static SortedDictionary<string, object> BuildTree(IReadOnlyDictionary<string, object> leaves)
    {
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (path, value) in leaves)
        {
            var parts = path.Split('/');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child)) node[part] = child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                node = (SortedDictionary<string, object>)child;
            }
            node[parts[^1]] = value;
        }
        return root;
    }

    static void WriteNode(ref MessagePackWriter writer, object node)
    {
        switch (node)
        {
            case SortedDictionary<string, object> map:
                writer.WriteMapHeader(map.Count);
                foreach (var (key, value) in map)
                {
                    writer.Write(key);
                    WriteNode(ref writer, value);
                }
                break;
            case Array array:
                WriteNdArray(ref writer, array);
                break;
            case Raw raw:
                raw.Write(ref writer);
                break;
            default:
                throw new ArgumentException($"unsupported leaf {node.GetType()}");
        }
    }
}
