using System.Runtime.InteropServices;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Flax;

namespace Cacophony.Weights.Synthetic;

/// <summary>
/// Random weights with a config's real shapes, for benchmarks and full-size tests: normal with the
/// given standard deviation (LayerNorm scales around 1, logit_scale = ln(1/0.07) as at init),
/// deterministic per tensor name and seed. Written as a Flax checkpoint laid out like the original
/// (RoBERTa layers scanned), so it exercises the same converter path as Cacophony.ckpt.
/// </summary>
public static class SyntheticCheckpoint
{
    public static void WriteFlax(Stream output, ModelConfig config, double std, int seed)
    {
        var leaves = new Dictionary<string, FlaxCheckpointWriter.Leaf>(StringComparer.Ordinal);
        foreach (var mapping in WeightMap.For(config, CheckpointFormat.Flax, scannedLayers: true))
        {
            var source = mapping.Source;
            if (leaves.ContainsKey("0/params/" + source.Name)) continue;
            leaves["0/params/" + source.Name] = new FlaxCheckpointWriter.Leaf(DType.Float32, source.Shape,
                bytes => Fill(source.Name, MemoryMarshal.Cast<byte, float>(bytes), std, seed));
        }
        leaves["0/step"] = new FlaxCheckpointWriter.Leaf(DType.Int32, [], bytes => bytes.Clear());
        FlaxCheckpointWriter.Write(output, leaves);
    }

    static void Fill(string name, Span<float> values, double std, int seed)
    {
        if (name == "logit_scale")
        {
            values.Fill(MathF.Log(1 / 0.07f));
            return;
        }
        double mean = name.EndsWith("/scale", StringComparison.Ordinal) ? 1 : 0;
        var random = new Random(seed ^ StableHash(name));
        for (int i = 0; i < values.Length; i += 2)
        {
            // Box-Muller: two independent normals per pair of uniforms.
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u)) * std;
            values[i] = (float)(mean + r * Math.Cos(2 * Math.PI * v));
            if (i + 1 < values.Length) values[i + 1] = (float)(mean + r * Math.Sin(2 * Math.PI * v));
        }
    }

    /// <summary>FNV-1a: string.GetHashCode differs between processes, and the weights must not.</summary>
    static int StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = (hash ^ c) * 16777619;
        return (int)hash;
    }
}
