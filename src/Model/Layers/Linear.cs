using Cacophony.Kernels.Cpu;

namespace Cacophony.Model.Layers;

/// <summary>A dense layer y = x W + b, W (in, out) packed once for the GEMM micro-kernel.</summary>
public sealed class Linear(PackedMatrix weight, float[] bias)
{
    public int Inputs => weight.K;
    public int Outputs => weight.N;

    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y) => Gemm.Multiply(x, rows, weight, bias, y);

    /// <summary>y = activation(x W + b), the activation fused into the product's tiles.</summary>
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y, Activation activation) => Gemm.Multiply(x, rows, weight, bias, y, activation);

    /// <summary>y = x W + b + residual, the residual connection fused into the product's tiles (residual may be y itself).</summary>
    public void ApplyAdd(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> residual, Span<float> y) => Gemm.MultiplyAdd(x, rows, weight, bias, residual, y);

    public float[] Apply(ReadOnlySpan<float> x, int rows)
    {
        var y = new float[rows * Outputs];
        Apply(x, rows, y);
        return y;
    }
}
