using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// The same weights under the PyTorch port's names and layouts (what the ONNX graphs take), built from
/// canonical tensors by inverting the converter's map: each canonical tensor is written back into its
/// source tensor at its offset, transposed back where the map transposed it.
/// </summary>
static class TorchNamedWeights
{
    public static Dictionary<string, (int[] Shape, float[] Values)> From(ModelConfig config, IWeightSource source, string prefix)
    {
        var result = new Dictionary<string, (int[] Shape, float[] Values)>(StringComparer.Ordinal);
        foreach (var mapping in WeightMap.For(config, CheckpointFormat.Torch))
        {
            var target = mapping.Source;
            if (!target.Name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (!result.TryGetValue(target.Name, out var tensor))
                result[target.Name] = tensor = (target.Shape, new float[TensorShape.ElementCount(target.Shape)]);
            var values = source.Read(mapping.Name);
            var destination = tensor.Values.AsSpan((int)target.Start, values.Length);
            if (!target.Transpose)
            {
                values.CopyTo(destination);
                continue;
            }
            int rows = mapping.Shape[0], columns = mapping.Shape[1]; // canonical (in, out) -> torch (out, in)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    destination[c * rows + r] = values[r * columns + c];
        }
        return result;
    }
}
