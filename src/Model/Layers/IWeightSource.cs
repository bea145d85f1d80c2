namespace Cacophony.Model.Layers;

/// <summary>Canonical tensors by name (WeightMap.cs): a model directory, or weights made in memory.</summary>
public interface IWeightSource
{
    int[] Shape(string name);
    float[] Read(string name);
}
