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

    /// <summary>Reads elements [start, start + destination.Length) of a tensor, in its flattened order.</summary>
    void ReadRange(string name, long start, Span<float> destination) => Read(name).AsSpan(checked((int)start), destination.Length).CopyTo(destination);
}
