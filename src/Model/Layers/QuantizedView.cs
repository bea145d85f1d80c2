using System.Buffers;
using System.Collections.Concurrent;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Quantization;

namespace Cacophony.Model.Layers;

/// <summary>
/// Float32 weights seen as `cacophony quantize` writes them: every tensor the int8 format stores quantized (each
/// dense layer per output channel, the word table per row) reads as its int8 values and scales, and as float32
/// it reads dequantized, <c>scale * q</c>, as an int8 model directory's tensors do. The CPU engine's int8
/// precision loads float weights through it, so a model quantized as it loads computes what its quantized
/// directory computes, to the bit; that includes the tensors stored as int8 but used in float32 (the attention
/// pools' key and value, folded into one vector at load, and the word table's rows).
/// </summary>
sealed class QuantizedView : IWeightSource
{
    readonly IWeightSource _inner;
    readonly Dictionary<string, int> _channelAxes;
    readonly ConcurrentDictionary<string, float[]> _scales = new(StringComparer.Ordinal);

    QuantizedView(IWeightSource inner, Dictionary<string, int> channelAxes) => (_inner, _channelAxes) = (inner, channelAxes);

    /// <summary>The view over <paramref name="source"/>, or the source itself where it is already stored quantized.</summary>
    public static IWeightSource Over(IWeightSource source, ModelConfig config)
    {
        var axes = WeightMap.For(config, CheckpointFormat.Canonical).Where(m => m.ChannelAxis is not null)
            .ToDictionary(m => m.Name, m => m.ChannelAxis!.Value, StringComparer.Ordinal);
        return axes.Any(a => a.Value == 1 && source.IsQuantized(a.Key)) ? source : new QuantizedView(source, axes);
    }

    public int[] Shape(string name) => _inner.Shape(name);

    public bool ReadsRangesInPlace => _inner.ReadsRangesInPlace;

    public bool IsQuantized(string name) => _channelAxes.GetValueOrDefault(name, -1) == 1;

    public void ReadQuantized(string name, Span<sbyte> values, Span<float> scales)
    {
        if (!IsQuantized(name)) throw new NotSupportedException($"{name} is not stored quantized");
        // A pooled buffer, as the loader's staging buffer: the float copy of each matrix does not pile up at load.
        var shape = Shape(name);
        int count = shape[0] * shape[1];
        var buffer = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var weights = buffer.AsSpan(0, count);
            _inner.ReadInto(name, weights);
            var channelScales = Scales(name, weights);
            ChannelQuantizer.QuantizeRows(weights, shape[1], 0, 1, channelScales, values);
            channelScales.CopyTo(scales);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public float[] Read(string name)
    {
        var values = _inner.Read(name);
        if (_channelAxes.TryGetValue(name, out int axis)) Dequantize(name, axis, values, 0, Scales(name, values));
        return values;
    }

    public void ReadInto(string name, Span<float> destination)
    {
        _inner.ReadInto(name, destination);
        if (_channelAxes.TryGetValue(name, out int axis)) Dequantize(name, axis, destination, 0, Scales(name, destination));
    }

    public void ReadRange(string name, long start, Span<float> destination)
    {
        if (!_channelAxes.TryGetValue(name, out int axis))
        {
            _inner.ReadRange(name, start, destination);
            return;
        }
        int columns = Shape(name)[1];
        if (axis == 1)
        {
            // A column's scale needs the whole column: read the tensor once for the scales, then the range as asked.
            var scales = _scales.TryGetValue(name, out var known) ? known : Scales(name, _inner.Read(name));
            _inner.ReadRange(name, start, destination);
            Dequantize(name, axis, destination, start, scales);
            return;
        }
        // A row's scale needs the whole row: read the rows the range touches (a table's reads are whole rows).
        long firstRow = start / columns, endRow = (start + destination.Length + columns - 1) / columns;
        int count = checked((int)((endRow - firstRow) * columns));
        var rows = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var span = rows.AsSpan(0, count);
            _inner.ReadRange(name, firstRow * columns, span);
            Dequantize(name, 0, span, 0, ChannelScales(span, columns, 0));
            span.Slice((int)(start - firstRow * columns), destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    /// <summary>The channels' scales of a whole tensor (kept for its later reads).</summary>
    float[] Scales(string name, ReadOnlySpan<float> whole) =>
        _scales.TryGetValue(name, out var known) ? known : _scales.GetOrAdd(name, ChannelScales(whole, Shape(name)[1], _channelAxes[name]));

    /// <summary>The scales of the channels in whole rows of a tensor, as the model file's writer computes them.</summary>
    static float[] ChannelScales(ReadOnlySpan<float> rows, int columns, int axis)
    {
        var maxima = new float[axis == 0 ? rows.Length / columns : columns];
        ChannelQuantizer.AccumulateMaxima(rows, columns, 0, axis, maxima);
        ChannelQuantizer.ScalesFromMaxima(maxima);
        return maxima;
    }

    /// <summary>Replaces elements [start, start + values.Length) of a tensor by <c>scale * q</c>, as QuantizedTensor reads them.</summary>
    void Dequantize(string name, int axis, Span<float> values, long start, ReadOnlySpan<float> scales)
    {
        int columns = Shape(name)[1];
        for (int i = 0; i < values.Length; i++)
        {
            long element = start + i;
            float scale = axis == 0 ? scales[(int)(element / columns)] : scales[(int)(element % columns)];
            values[i] = scale * ChannelQuantizer.Quantize(values[i], scale);
        }
    }
}
