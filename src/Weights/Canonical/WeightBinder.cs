using Cacophony.Weights.Quantization;

namespace Cacophony.Weights.Canonical;

/// <summary>
/// Matches a checkpoint's tensors against the canonical weight map: every canonical tensor must be
/// found with the expected shape and a float type (or int8 with its scales, where the map allows it), and every
/// tensor of the checkpoint must be used. Problems are reported in one line naming the file, the source tensor and both shapes.
/// </summary>
public static class WeightBinder
{
    public static IReadOnlyList<BoundTensor> Bind(string file, IReadOnlyDictionary<string, SourceTensor> tensors, IReadOnlyList<WeightMapping> map)
    {
        var problems = new List<(string Tensor, string Problem)>();
        var bound = new List<BoundTensor>(map.Count);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in map)
        {
            var source = mapping.Source;
            used.Add(source.Name);
            if (!tensors.TryGetValue(source.Name, out var tensor))
                problems.Add((source.Name, $"missing (expected shape {TensorShape.Format(source.Shape)}, for canonical '{mapping.Name}')"));
            else if (!TensorShape.SameAs(tensor.Shape, source.Shape))
                problems.Add((source.Name, $"has shape {TensorShape.Format(tensor.Shape)}, expected {TensorShape.Format(source.Shape)} (for canonical '{mapping.Name}')"));
            else if (tensor is QuantizedTensor quantized)
            {
                if (mapping.ChannelAxis is not int axis)
                    problems.Add((source.Name, $"is stored as int8, but '{mapping.Name}' stays floating point"));
                else if (quantized.ChannelAxis != axis)
                    problems.Add((source.Name, $"is quantized per {AxisName(quantized.ChannelAxis)}, but '{mapping.Name}' is quantized per {AxisName(axis)}"));
                else
                    bound.Add(new BoundTensor(mapping, tensor));
            }
            else if (!tensor.DType.IsFloat())
                problems.Add((source.Name, $"has dtype {tensor.DType}, expected a floating-point type"));
            else
                bound.Add(new BoundTensor(mapping, tensor));
        }
        foreach (var name in tensors.Keys.Where(n => !used.Contains(n)).Order(StringComparer.Ordinal))
            problems.Add((name, $"unexpected tensor of shape {TensorShape.Format(tensors[name].Shape)}: not part of this model"));

        if (problems.Count > 0)
        {
            var (tensor, problem) = problems[0];
            string more = problems.Count > 1 ? $" (and {problems.Count - 1} more problem{(problems.Count > 2 ? "s" : "")})" : "";
            throw new CheckpointException(file, tensor, problem + more);
        }
        return bound;
    }

    static string AxisName(int axis) => axis == 0 ? "row" : "column";
}
