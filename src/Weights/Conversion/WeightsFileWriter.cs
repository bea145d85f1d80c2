using System.Runtime.InteropServices;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Quantization;
using Cacophony.Weights.SafeTensors;

namespace Cacophony.Weights.Conversion;

/// <summary>
/// Writes bound canonical tensors into model.safetensors in a storage type: float32; f16/bf16 for the matrices;
/// or int8 with float32 scales for the tensors the weight map allows (<see cref="WeightMapping.ChannelAxis"/>).
/// Vectors, norms and positional tables stay float32 in every case. Tensor by tensor, in blocks of rows, so
/// memory stays one tensor's worth whatever the model's size.
/// </summary>
static class WeightsFileWriter
{
    const int BlockElements = 1 << 20;

    /// <summary>Whether a tensor is stored as int8 when the storage type is int8.</summary>
    public static bool Quantized(BoundTensor tensor, bool embeddings) =>
        tensor.ChannelAxis is not null && (embeddings || !IsEmbedding(tensor.Name));

    /// <summary>The word table and the caption decoder's output layer: the tensors <c>--float-embeddings</c> keeps in float32.</summary>
    static bool IsEmbedding(string name) => name == WeightMap.Names.Text.WordEmbedding || name == WeightMap.Names.Decoder.Vocabulary.Weight;

    public static void Write(string path, IReadOnlyList<BoundTensor> bound, DType dtype, bool embeddings, IReadOnlyDictionary<string, string> metadata, Action<string> log)
    {
        var entries = new List<SafeTensorsEntry>();
        foreach (var tensor in bound)
        {
            if (dtype == DType.Int8 && Quantized(tensor, embeddings))
                entries.AddRange(Int8Entries(tensor));
            else
            {
                var storage = dtype is DType.Float16 or DType.BFloat16 && tensor.Shape.Length >= 2 ? dtype : DType.Float32;
                entries.Add(new SafeTensorsEntry(tensor.Name, storage, tensor.Shape, bytes => WriteFloat(tensor, storage, bytes)));
            }
        }
        long total = entries.Sum(e => e.ByteCount), done = 0;
        int lastPercent = -1;
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        SafeTensorsWriter.Write(stream, entries, metadata, written =>
        {
            done += written.ByteCount;
            int percent = (int)(100 * done / Math.Max(1, total));
            if (total > 64 << 20 && percent / 10 != lastPercent / 10)
            {
                lastPercent = percent;
                log($"writing weights: {percent}% ({done >> 20} of {total >> 20} MiB)");
            }
        });
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The int8 values and their scales (the writer puts the wider scales first; both read the tensor, the scales are computed once).</summary>
    static SafeTensorsEntry[] Int8Entries(BoundTensor tensor)
    {
        int axis = tensor.ChannelAxis!.Value;
        float[]? scales = null;
        float[] Scales() => scales ??= ScalesOf(tensor, axis);
        return
        [
            new SafeTensorsEntry(ChannelQuantizer.ScaleName(tensor.Name), DType.Float32, ChannelQuantizer.ScaleShape(tensor.Shape, axis),
                bytes => MemoryMarshal.AsBytes(Scales().AsSpan()).CopyTo(bytes)),
            new SafeTensorsEntry(tensor.Name, DType.Int8, tensor.Shape, bytes =>
            {
                var q = MemoryMarshal.Cast<byte, sbyte>(bytes);
                int columns = tensor.Shape[1];
                var buffer = RowBuffer(tensor);
                foreach (var (first, count) in RowBlocks(tensor))
                {
                    var rows = ReadRows(tensor, first, count, buffer);
                    ChannelQuantizer.QuantizeRows(rows, columns, first, axis, Scales(), q.Slice(first * columns, rows.Length));
                }
            }),
        ];
    }

    static float[] ScalesOf(BoundTensor tensor, int axis)
    {
        // Already int8 (re-written from an int8 directory): the stored scales stay as they are.
        if (tensor.Quantized is { } stored && stored.ChannelAxis == axis) return stored.Scales.ToArray();
        var maxima = new float[tensor.Shape[axis]];
        var buffer = RowBuffer(tensor);
        foreach (var (first, count) in RowBlocks(tensor))
            ChannelQuantizer.AccumulateMaxima(ReadRows(tensor, first, count, buffer), tensor.Shape[1], first, axis, maxima);
        ChannelQuantizer.ScalesFromMaxima(maxima);
        return maxima;
    }

    /// <summary>
    /// The tensor's rows in blocks of about <see cref="BlockElements"/> (canonical layout). A transposed source is
    /// one block, as it has to be read whole to be turned.
    /// </summary>
    static IEnumerable<(int First, int Count)> RowBlocks(BoundTensor tensor)
    {
        int rows = tensor.Shape[0];
        int blockRows = tensor.Ref.Transpose ? rows : Math.Max(1, BlockElements / tensor.Shape[1]);
        for (int first = 0; first < rows; first += blockRows) yield return (first, Math.Min(blockRows, rows - first));
    }

    static float[] RowBuffer(BoundTensor tensor) =>
        tensor.Ref.Transpose ? [] : new float[Math.Min(tensor.Shape[0], Math.Max(1, BlockElements / tensor.Shape[1])) * tensor.Shape[1]];

    static ReadOnlySpan<float> ReadRows(BoundTensor tensor, int first, int count, float[] buffer)
    {
        if (tensor.Ref.Transpose) return tensor.Read();
        var block = buffer.AsSpan(0, count * tensor.Shape[1]);
        tensor.ReadRange((long)first * tensor.Shape[1], block);
        return block;
    }

    /// <summary>float32 as is, or narrowed to f16/bf16 in blocks, so no float copy of a whole embedding table is made.</summary>
    static void WriteFloat(BoundTensor tensor, DType storage, Span<byte> bytes)
    {
        if (storage == DType.Float32)
        {
            tensor.ReadInto(MemoryMarshal.Cast<byte, float>(bytes));
            return;
        }
        if (tensor.Ref.Transpose)
        {
            ElementConversion.FromFloat32(tensor.Read(), storage, bytes);
            return;
        }
        var values = new float[(int)Math.Min(BlockElements, tensor.ElementCount)];
        int size = storage.Size();
        for (long done = 0; done < tensor.ElementCount; done += BlockElements)
        {
            int count = (int)Math.Min(BlockElements, tensor.ElementCount - done);
            tensor.ReadRange(done, values.AsSpan(0, count));
            ElementConversion.FromFloat32(values.AsSpan(0, count), storage, bytes.Slice((int)done * size, count * size));
        }
    }
}
