namespace Cacophony.Model.Layers;

/// <summary>
/// Several dense layers on the same input as one: their (in, out) weights side by side into (in, sum of outs)
/// and their biases concatenated, so q, k and v come out of one GEMM (CPU engine and GPU alike).
/// </summary>
public static class FusedWeights
{
    /// <summary>The parts' (in, out) shapes, their shared input width and their summed output width.</summary>
    public static (int[][] Shapes, int Inputs, int Outputs) Shapes(IWeightSource source, IReadOnlyList<string> names)
    {
        var shapes = names.Select(n => source.Shape(n + ".weight")).ToArray();
        int input = shapes[0][0], output = shapes.Sum(s => s[1]);
        if (shapes.Any(s => s[0] != input)) throw new ArgumentException($"{string.Join(", ", names)} do not share an input width");
        return (shapes, input, output);
    }

    public static (float[] Weight, float[] Bias, int Inputs, int Outputs) Concatenate(IWeightSource source, IReadOnlyList<string> names)
    {
        var (shapes, input, output) = Shapes(source, names);
        var weight = new float[input * output];
        var bias = new float[output];
        int column = 0;
        foreach (var (name, shape) in names.Zip(shapes))
        {
            var part = source.Read(name + ".weight");
            for (int r = 0; r < input; r++) part.AsSpan(r * shape[1], shape[1]).CopyTo(weight.AsSpan(r * output + column));
            source.Read(name + ".bias").CopyTo(bias, column);
            column += shape[1];
        }
        return (weight, bias, input, output);
    }
}
