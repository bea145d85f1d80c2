using System.Numerics.Tensors;

namespace Cacophony.Kernels.Cpu;

/// <summary>Element-wise activations, in place.</summary>
public static class Activations
{
    /// <summary>SiLU (swish): x * sigmoid(x), as the audio encoder's MLP.</summary>
    public static void SiLU(Span<float> x)
    {
        Span<float> sigmoid = x.Length <= 16384 ? stackalloc float[x.Length] : new float[x.Length];
        TensorPrimitives.Sigmoid(x, sigmoid);
        TensorPrimitives.Multiply(x, sigmoid, x);
    }

    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2), as RoBERTa's "gelu" (not the tanh form).</summary>
    public static void Gelu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(0.5 * v * Erfc(-v * 0.70710678118654752440));
        }
    }

    /// <summary>
    /// Complementary error function with fractional error below 1.2e-7 everywhere (Chebyshev fit,
    /// Numerical Recipes' erfcc), evaluated in float64: enough for a float32 result. .NET has no erf.
    /// </summary>
    public static double Erfc(double z)
    {
        double t = 1 / (1 + 0.5 * Math.Abs(z));
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return z >= 0 ? r : 2 - r;
    }
}
