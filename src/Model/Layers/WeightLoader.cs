using Cacophony.Kernels.Cpu;

namespace Cacophony.Model.Layers;

/// <summary>Builds layers from canonical tensors (names of WeightMap.cs), packing matrices for the GEMM.</summary>
public sealed class WeightLoader(IWeightSource source)
{
    // Matrices are read into this one buffer and packed from it: the unpacked copy never piles up.
    float[] _staging = [];

    public float[] Tensor(string name) => source.Read(name);

    /// <summary>An embedding table whose rows are read when needed (not copied at load).</summary>
    public EmbeddingTable Table(string name) => new(source, name);

    public Linear Linear(string name)
    {
        var shape = source.Shape(name + ".weight");
        return new Linear(new PackedMatrix(Staged(name + ".weight", shape), shape[0], shape[1]), Tensor(name + ".bias"));
    }

    /// <summary>
    /// Several dense layers on the same input as one: weights side by side (in, sum of outs), one GEMM.
    /// Each part is read into the staging buffer and packed into its own columns, so no concatenated copy
    /// is made (fresh memory costs a page fault per 4 KB on first touch: ~100 ms per 340 MB here).
    /// </summary>
    public Linear FusedLinear(params string[] names)
    {
        var (shapes, input, output) = FusedWeights.Shapes(source, names);
        var packed = new PackedMatrix(input, output);
        if (shapes[..^1].Any(s => s[1] % packed.PanelWidth != 0))
        {
            // A part that ends inside a panel: concatenate first (no real model has one), then pack the whole.
            var (weight, bias, _, _) = FusedWeights.Concatenate(source, names);
            packed.PackColumns(weight, 0, output);
            return new Linear(packed, bias);
        }
        var biases = new float[output];
        int column = 0;
        foreach (var (name, shape) in names.Zip(shapes))
        {
            packed.PackColumns(Staged(name + ".weight", shape), column, shape[1]);
            source.Read(name + ".bias").CopyTo(biases, column);
            column += shape[1];
        }
        return new Linear(packed, biases);
    }

    /// <summary>A matrix read into the staging buffer (valid until the next read).</summary>
    Span<float> Staged(string name, int[] shape)
    {
        int count = shape[0] * shape[1];
        if (_staging.Length < count) _staging = new float[count];
        var staging = _staging.AsSpan(0, count);
        source.ReadInto(name, staging);
        return staging;
    }

    public Norm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);
}
