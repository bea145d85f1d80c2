using Cacophony.Weights;
using Cacophony.Weights.Canonical;

namespace Cacophony.Model.Layers;

/// <summary>
/// Random canonical weights made in memory for a config (no files): normal with the given standard
/// deviation, LayerNorm scales around 1, logit_scale ln(1/0.07). For `cacophony bench` and full-size tests.
/// </summary>
public sealed class SyntheticWeights : IWeightSource
{
    readonly Dictionary<string, int[]> _shapes;
    readonly double _std;
    readonly int _seed;

    public SyntheticWeights(ModelConfig config, double std = 0.02, int seed = 0)
    {
        _shapes = WeightMap.Canonical(config).ToDictionary(t => t.Name, t => t.Shape, StringComparer.Ordinal);
        _std = std;
        _seed = seed;
    }

    public int[] Shape(string name) => _shapes.TryGetValue(name, out var shape) ? shape : throw new KeyNotFoundException(name);

    public float[] Read(string name)
    {
        var values = new float[TensorShape.ElementCount(Shape(name))];
        ReadInto(name, values);
        return values;
    }

    public void ReadInto(string name, Span<float> destination)
    {
        if (name == "logit_scale")
        {
            destination[0] = MathF.Log(1 / 0.07f);
            return;
        }
        double mean = name.EndsWith(".scale", StringComparison.Ordinal) ? 1 : 0;
        uint hash = 2166136261;
        foreach (char c in name) hash = (hash ^ c) * 16777619;
        var random = new Random(_seed ^ (int)hash);
        for (int i = 0; i < destination.Length; i += 2)
        {
            // Box-Muller: two independent normals per pair of uniforms.
            double r = _std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var (sin, cos) = Math.SinCos(2 * Math.PI * random.NextDouble());
            destination[i] = (float)(mean + r * cos);
            if (i + 1 < destination.Length) destination[i + 1] = (float)(mean + r * sin);
        }
    }
}
