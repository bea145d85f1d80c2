using Cacophony.Kernels;

namespace Cacophony.Model.Layers;

/// <summary>A dense layer y = x W + b on a backend.</summary>
sealed class Linear(IComputeBackend backend, LinearWeights weights)
{
    public int Inputs => weights.Inputs;
    public int Outputs => weights.Outputs;

    /// <summary>y = activation(x W + b), the activation fused into the product.</summary>
    public void Apply(TensorView x, int rows, TensorView y, Activation activation = Activation.None) => backend.Linear(weights, x, rows, y, activation);

    /// <summary>y = residual + x W + b, the residual add fused into the product (residual may be y itself).</summary>
    public void ApplyAdd(TensorView x, int rows, TensorView residual, TensorView y) => backend.LinearAdd(weights, x, rows, residual, y);
}
