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
        var shapes = names.Select(n => source.Shape(n + ".weight")).ToArray();
        int input = shapes[0][0], output = shapes.Sum(s => s[1]);
        var weight = new float[input * output];
        var bias = new float[output];
        int column = 0;
        foreach (var (name, shape) in names.Zip(shapes))
        {
            var part = Tensor(name + ".weight");
            for (int r = 0; r < input; r++) part.AsSpan(r * shape[1], shape[1]).CopyTo(weight.AsSpan(r * output + column));
            Tensor(name + ".bias").CopyTo(bias, column);
            column += shape[1];
        }
        return new Linear(new PackedMatrix(weight, input, output), bias);
    }

    public Norm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);
}
