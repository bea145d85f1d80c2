using Cacophony.Kernels.Cpu;

namespace Cacophony.Model.Layers;

/// <summary>Builds layers from canonical tensors (names of WeightMap.cs), packing matrices for the GEMM.</summary>
public sealed class WeightLoader(IWeightSource source)
{
    // Matrices are read into this one buffer and packed from it: the unpacked copy never piles up.
    float[] _staging = [];

    public float[] Tensor(string name) => source.Read(name);

    public Linear Linear(string name)
    {
        var shape = source.Shape(name + ".weight");
        int count = shape[0] * shape[1];
        if (_staging.Length < count) _staging = new float[count];
        var staging = _staging.AsSpan(0, count);
        source.ReadInto(name + ".weight", staging);
        return new Linear(new PackedMatrix(staging, shape[0], shape[1]), Tensor(name + ".bias"));
    }

    /// <summary>Several dense layers on the same input as one: weights side by side (in, sum of outs), one GEMM.</summary>
    public Linear FusedLinear(params string[] names)
    {
        var (weight, bias, input, output) = FusedWeights.Concatenate(source, names);
        return new Linear(new PackedMatrix(weight, input, output), bias);
    }

    public Norm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);
}
