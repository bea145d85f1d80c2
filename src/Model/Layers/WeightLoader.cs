using Cacophony.Kernels.Cpu;

namespace Cacophony.Model.Layers;

/// <summary>Builds layers from canonical tensors (names of WeightMap.cs), packing matrices for the GEMM.</summary>
public sealed class WeightLoader(IWeightSource source)
{
    public float[] Tensor(string name) => source.Read(name);

    public Linear Linear(string name)
    {
        var shape = source.Shape(name + ".weight");
        return new Linear(new PackedMatrix(Tensor(name + ".weight"), shape[0], shape[1]), Tensor(name + ".bias"));
    }

    public Norm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);
}
