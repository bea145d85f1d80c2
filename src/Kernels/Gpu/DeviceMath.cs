using ILGPU;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// Scalar functions for kernels, written with the operations every ILGPU backend lowers (ILGPU has no erf):
/// exact GELU through Numerical Recipes' erfc (fractional error below 1.2e-7, the CPU engine's fit), SiLU.
/// </summary>
public static class DeviceMath
{
    const float InverseSqrt2 = 0.70710678118654752440f;

    public static float Erfc(float z)
    {
        float t = 1f / (1f + 0.5f * MathF.Abs(z));
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
            + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float r = t * MathF.Exp(-z * z + poly);
        return z >= 0 ? r : 2f - r;
    }

    /// <summary>0.5 x erfc(-x / sqrt 2), RoBERTa's exact GELU.</summary>
    public static float Gelu(float x) => 0.5f * x * Erfc(-x * InverseSqrt2);

    /// <summary>x / (1 + exp(-x)), the audio MLP's activation.</summary>
    public static float SiLU(float x) => x / (1f + MathF.Exp(-x));

    /// <summary>IEEE binary16 bits to float32, exactly (normals, subnormals, zeros, infinities, NaN).</summary>
    public static float HalfToFloat(ushort half)
    {
        uint sign = (uint)(half >> 15) << 31, exponent = (uint)(half >> 10) & 0x1F, mantissa = (uint)half & 0x3FF;
        if (exponent == 0)
        {
            // Zero or subnormal: mantissa x 2^-24 is exact in float32.
            float value = mantissa * 5.9604644775390625e-8f;
            return sign != 0 ? -value : value;
        }
        uint bits = exponent == 31 ? sign | 0x7F800000u | (mantissa << 13) : sign | ((exponent + 112) << 23) | (mantissa << 13);
        return Interop.IntAsFloat(bits);
    }
}
