using Cacophony.Kernels.Cpu;

namespace Cacophony.Model.Layers;

/// <summary>Builds layers from a model directory's canonical tensors (names of WeightMap.cs).</summary>
public sealed class WeightLoader(ModelDirectory directory)
{
    public float[] Tensor(string name) => directory.Read(name);

    public Linear Linear(string name)
    {
        var shape = directory.Tensors[name + ".weight"].Shape;
        return new Linear(new PackedMatrix(Tensor(name + ".weight"), shape[0], shape[1]), Tensor(name + ".bias"));
    }

    public Norm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);
}
