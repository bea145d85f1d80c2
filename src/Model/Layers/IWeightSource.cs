namespace Cacophony.Model.Layers;

/// <summary>Canonical tensors by name (WeightMap.cs): a model directory, or weights made in memory.</summary>
public interface IWeightSource
{
    int[] Shape(string name);
    float[] Read(string name);

    /// <summary>Reads a tensor into a caller's buffer (of exactly its element count).</summary>
    void ReadInto(string name, Span<float> destination);
}
