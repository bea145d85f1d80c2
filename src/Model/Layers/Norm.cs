namespace Cacophony.Model.Layers;

/// <summary>LayerNorm parameters with the epsilon of their stack (1e-6 audio, 1e-5 RoBERTa).</summary>
public sealed class Norm(float[] scale, float[] bias, float eps)
{
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y) =>
        Kernels.Cpu.LayerNorm.Apply(x, rows, scale.Length, scale, bias, eps, y);
}
