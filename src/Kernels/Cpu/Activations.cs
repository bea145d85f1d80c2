using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>Element-wise activations, in place, vectorized with <see cref="VectorMath"/>'s exp.</summary>
public static class Activations
{
    // One vector at a time: the GEMM epilogue applies these to a tile's registers and the passes below to
    // spans, so the fused and the separate activation give the same bits.
    internal static Vector512<float> Apply(Activation activation, Vector512<float> v) => activation switch
    {
        Activation.SiLU => v / (Vector512<float>.One + VectorMath.Exp(-v)),
        Activation.Gelu => Vector512.Create(0.5f) * v * Erfc(-v * Vector512.Create(InverseSqrt2)),
        _ => v,
    };

    internal static Vector256<float> Apply(Activation activation, Vector256<float> v) => activation switch
    {
        Activation.SiLU => v / (Vector256<float>.One + VectorMath.Exp(-v)),
        Activation.Gelu => Vector256.Create(0.5f) * v * Erfc(-v * Vector256.Create(InverseSqrt2)),
        _ => v,
    };

    // 128-bit lanes take the scalar function lane by lane, as the span pass does at that width (it has no 128-bit
    // exp), so there too the fused and the separate activation agree.
    internal static Vector128<float> Apply(Activation activation, Vector128<float> v) => activation == Activation.None ? v
        : Vector128.Create(Apply(activation, v[0]), Apply(activation, v[1]), Apply(activation, v[2]), Apply(activation, v[3]));

    internal static float Apply(Activation activation, float v) => activation switch
    {
        Activation.SiLU => v / (1 + VectorMath.Exp(-v)),
        Activation.Gelu => 0.5f * v * Erfc(-v * InverseSqrt2),
        _ => v,
    };

    /// <summary>SiLU (swish): x * sigmoid(x) = x / (1 + exp(-x)), as the audio encoder's MLP; large spans on all workers.</summary>
    public static void SiLU(Span<float> x) => ParallelSpans.Run(x, part => Pass(part, Activation.SiLU));

    /// <summary>
    /// Exact GELU, 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2), as RoBERTa's "gelu" (not the tanh form).
    /// erfc by Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7), evaluated in float32 with
    /// the vector exp: about 2e-7 relative in all, a couple of float32 ulps.
    /// </summary>
    public static void Gelu(Span<float> x) => ParallelSpans.Run(x, part => Pass(part, Activation.Gelu));

    /// <summary>The activation over a span, with the same per-vector code as the GEMM epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Pass(Span<float> x, Activation activation)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
            for (; i + 16 <= x.Length; i += 16)
                Apply(activation, Vector512.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref p, (nuint)i);
        if (Vector256.IsHardwareAccelerated && Isa.Active >= InstructionSet.Vector256)
            for (; i + 8 <= x.Length; i += 8)
                Apply(activation, Vector256.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref p, (nuint)i);
        for (; i < x.Length; i++) x[i] = Apply(activation, x[i]);
    }

    const float InverseSqrt2 = 0.70710678118654752440f;

    // Numerical Recipes erfcc: erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + |z| / 2), reflected for z < 0.
    const float C0 = -1.26551223f, C1 = 1.00002368f, C2 = 0.37409196f, C3 = 0.09678418f, C4 = -0.18628806f,
        C5 = 0.27886807f, C6 = -1.13520398f, C7 = 1.48851587f, C8 = -0.82215223f, C9 = 0.17087277f;

    public static float Erfc(float z)
    {
        float t = 1 / (1 + 0.5f * MathF.Abs(z));
        float poly = C0 + t * (C1 + t * (C2 + t * (C3 + t * (C4 + t * (C5 + t * (C6 + t * (C7 + t * (C8 + t * C9))))))));
        float r = t * VectorMath.Exp(-z * z + poly);
        return z >= 0 ? r : 2 - r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Erfc(Vector512<float> z)
    {
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(0.5f) * Vector512.Abs(z));
        var poly = Vector512.FusedMultiplyAdd(Vector512.Create(C9), t, Vector512.Create(C8));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C7));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C6));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C5));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C4));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C3));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C2));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C1));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(C0));
        var r = t * VectorMath.Exp(Vector512.FusedMultiplyAdd(-z, z, poly));
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<float>.Zero), r, Vector512.Create(2f) - r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Erfc(Vector256<float> z)
    {
        var t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(0.5f) * Vector256.Abs(z));
        var poly = Vector256.FusedMultiplyAdd(Vector256.Create(C9), t, Vector256.Create(C8));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C7));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C6));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C5));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C4));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C3));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C2));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C1));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(C0));
        var r = t * VectorMath.Exp(Vector256.FusedMultiplyAdd(-z, z, poly));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(z, Vector256<float>.Zero), r, Vector256.Create(2f) - r);
    }
}
