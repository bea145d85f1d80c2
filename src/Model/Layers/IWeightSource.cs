namespace Cacophony.Model.Layers;

/// <summary>Canonical tensors by name (WeightMap.cs): a model directory, or weights made in memory.</summary>
public interface IWeightSource
{
    int[] Shape(string name);
    float[] Read(string name);

    /// <summary>Reads a tensor into a caller's buffer (of exactly its element count).</summary>
    void ReadInto(string name, Span<float> destination);

    /// <summary>
    /// True when <see cref="ReadRange"/> reads only the asked elements from storage (a model file); false when
    /// it has to make the whole tensor first (weights made in memory), so callers keep a copy instead.
    /// </summary>
    bool ReadsRangesInPlace => false;

    /// <summary>Whether a dense layer's weight is stored as int8 per output channel (an int8 model directory).</summary>
    bool IsQuantized(string name) => false;

    /// <summary>A quantized dense weight as stored: its (in, out) int8 values and one scale per output channel.</summary>
    void ReadQuantized(string name, Span<sbyte> values, Span<float> scales) => throw new NotSupportedException($"{name} is not stored quantized");

    /// <summary>Reads elements [start, start + destination.Length) of a tensor, in its flattened order.</summary>
    void ReadRange(string name, long start, Span<float> destination) => Read(name).AsSpan(checked((int)start), destination.Length).CopyTo(destination);
}
