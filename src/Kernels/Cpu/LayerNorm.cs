using System.Numerics.Tensors;

namespace Cacophony.Kernels.Cpu;

/// <summary>y = (x - mean) / sqrt(var + eps) * scale + bias over each row, with a two-pass variance.</summary>
public static class LayerNorm
{
    public static void Apply(ReadOnlySpan<float> x, int rows, int width, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        if (scale.Length != width || bias.Length != width) throw new ArgumentException("scale and bias must have the row width");
        Span<float> centered = width <= 4096 ? stackalloc float[width] : new float[width];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * width, width);
            var output = y.Slice(r * width, width);
            float mean = TensorPrimitives.Sum(row) / width;
            TensorPrimitives.Subtract(row, mean, centered);
            float variance = TensorPrimitives.SumOfSquares(centered) / width;
            float inverse = 1 / MathF.Sqrt(variance + eps);
            TensorPrimitives.Multiply(centered, inverse, output);
            TensorPrimitives.FusedMultiplyAdd(output, scale, bias, output);
        }
    }
}
