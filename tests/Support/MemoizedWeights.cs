using System.Collections.Concurrent;
using Cacophony.Model.Layers;

namespace Cacophony.Tests.Support;

/// <summary>
/// Weights read once and kept, so that the engines a test builds from one source (float32 and int8, or the engine
/// and the float64 reference) read the same arrays instead of making them again: random full-size weights take
/// seconds to make, reading them back takes a copy. Every read hands out a copy, as the source would.
/// </summary>
public sealed class MemoizedWeights(IWeightSource source) : IWeightSource
{
    readonly ConcurrentDictionary<string, float[]> _tensors = new(StringComparer.Ordinal);

    public int[] Shape(string name) => source.Shape(name);

    public float[] Read(string name) => (float[])Kept(name).Clone();

    public void ReadInto(string name, Span<float> destination) => Kept(name).CopyTo(destination);

    public void ReadRange(string name, long start, Span<float> destination) =>
        Kept(name).AsSpan(checked((int)start), destination.Length).CopyTo(destination);

    float[] Kept(string name) => _tensors.GetOrAdd(name, source.Read);
}
