using System.Text.Json;

namespace Cacophony.Weights.SafeTensors;

/// <summary>One tensor to write: its bytes are produced only when the writer reaches it.</summary>
public sealed record SafeTensorsEntry(string Name, DType DType, int[] Shape, Action<Span<byte>> Fill)
{
    public long ByteCount => TensorShape.ElementCount(Shape) * DType.Size();
}

/// <summary>
/// Writes a .safetensors file tensor by tensor, so peak memory is one tensor, not the model.
/// Wider types come first: every tensor then starts at a multiple of its element size, which lets
/// readers view the mapped bytes as float spans without copying (the format allows no padding).
/// </summary>
public static class SafeTensorsWriter
{
    public static void Write(Stream output, IEnumerable<SafeTensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null, Action<SafeTensorsEntry>? progress = null)
    {
        var ordered = tensors.OrderByDescending(t => t.DType.Size()).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = BuildHeader(ordered, metadata);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (long)header.Length);
        output.Write(length);
        output.Write(header);
        // One buffer, sized for the largest tensor, serves them all.
        var buffer = new byte[ordered.Count == 0 ? 0 : checked((int)ordered.Max(t => t.ByteCount))];
        foreach (var tensor in ordered)
        {
            var bytes = buffer.AsSpan(0, (int)tensor.ByteCount);
            tensor.Fill(bytes);
            output.Write(bytes);
            progress?.Invoke(tensor);
        }
    }

    static byte[] BuildHeader(List<SafeTensorsEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in ordered)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.SafeTensorsName());
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.ByteCount);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.ByteCount;
            }
            writer.WriteEndObject();
        }
        // The data must start 8-byte aligned: pad the header with spaces, as the reference writer does.
        int padded = (int)((json.Length + 8 + 7) / 8 * 8 - 8);
        var header = new byte[padded];
        json.ToArray().CopyTo(header, 0);
        header.AsSpan((int)json.Length).Fill((byte)' ');
        return header;
    }
}
