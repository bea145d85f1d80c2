using Cacophony.Kernels;

namespace Cacophony.Model.Layers;

/// <summary>LayerNorm on a backend, with the epsilon of its stack (1e-6 audio, 1e-5 RoBERTa).</summary>
sealed class Norm(IComputeBackend backend, NormWeights weights)
{
    public void Apply(TensorView x, int rows, TensorView y) => backend.LayerNorm(weights, x, rows, y);
}
