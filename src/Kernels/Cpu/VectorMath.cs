using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// exp over float32 spans, vectorized (Vector512 / Vector256, scalar tail). On this project's machines
/// TensorPrimitives.Exp ran at ~8.6 ns per element, which made softmax and SiLU dominate the encoder;
/// this runs at GEMM-like throughput.
///
/// Method (Cephes expf): n = round(x log2 e); r = x - n ln 2 in two parts (hi exact in float);
/// exp(r) by a degree-6 polynomial on |r| &lt;= ln2/2; times 2^n built in the exponent bits. Relative error
/// below 2 ulp on [-87.3, 88.37]; below -87.3 the result is 0 (softmax of masked or far-off scores),
/// above 88.37 it saturates at +infinity.
/// </summary>
public static class VectorMath
{
    const float Log2E = 1.44269504088896341f;
    const float Ln2Hi = 0.693359375f;
    const float Ln2Lo = -2.12194440e-4f;
    const float MinInput = -87.33654f;
    // round(x log2 e) must stay <= 127 so that 2^n is a normal float: exp(88.376) = 2.4e38. Above, the
    // result saturates to +infinity (float32 itself overflows at 88.72); softmax inputs are <= 0 anyway.
    const float MaxInput = 88.37626f;
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Exp(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination too short");
        int i = 0;
        ref float src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
            for (; i + 16 <= x.Length; i += 16)
                Exp(Vector512.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        if (Vector256.IsHardwareAccelerated && Isa.Active >= InstructionSet.Vector256)
            for (; i + 8 <= x.Length; i += 8)
                Exp(Vector256.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        for (; i < x.Length; i++) y[i] = Exp(x[i]);
    }

    /// <summary>
    /// The numerators of softmax(scale * s) in place: s[j] = exp(scale * (s[j] - max s)), in one pass after
    /// the maximum; returns their sum (at least 1, from the maximum itself), by which the caller divides.
    /// A NaN score makes the sum NaN (exp propagates it), so the whole row comes out NaN, as in the original.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SoftmaxNumerators(Span<float> s, float scale)
    {
        float max = Max(s), shift = -scale * max, sum = 0;
        int i = 0;
        ref float x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(s);
        if (Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
        {
            var sums = Vector512<float>.Zero;
            for (; i + 16 <= s.Length; i += 16)
            {
                var e = Exp(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.Create(scale), Vector512.Create(shift)));
                e.StoreUnsafe(ref x, (nuint)i);
                sums += e;
            }
            sum += Vector512.Sum(sums);
        }
        if (Vector256.IsHardwareAccelerated && Isa.Active >= InstructionSet.Vector256)
        {
            // Vectors alternate between two sums (even ones, odd ones), as when this loop did two a step; it
            // now does one, because two exps in flight spilled AVX2's 16 registers (1.6 ns a value instead of
            // 1.0 at 248 keys). The swap keeps the sums, and so the bits, the same as before.
            Vector256<float> sums0 = Vector256<float>.Zero, sums1 = Vector256<float>.Zero;
            for (; i + 8 <= s.Length; i += 8)
            {
                var e = Exp(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.Create(scale), Vector256.Create(shift)));
                e.StoreUnsafe(ref x, (nuint)i);
                sums0 += e;
                (sums0, sums1) = (sums1, sums0);
            }
            sum += Vector256.Sum(sums0 + sums1);
        }
        for (; i < s.Length; i++)
        {
            s[i] = Exp(MathF.FusedMultiplyAdd(s[i], scale, shift));
            sum += s[i];
        }
        return sum;
    }

    /// <summary>
    /// The largest value, with the processor's max (TensorPrimitives.Max orders NaN and -0 as IEEE 754 does,
    /// which cost 3x the time of the exp pass after it). A NaN may be skipped here; the exp pass turns it
    /// into a NaN sum all the same. The rows' last 8 values seed the maximum, so a length that is not a
    /// multiple of 8 needs no scalar tail (max is exact and order-free: reading some values twice changes
    /// nothing); the 8 lanes are then folded with shuffles. With a scalar tail and fold (MathF.Max, NaN- and
    /// sign-aware) the maximum took 3x as long at 248 keys (0.31 against 0.11 ns a value).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Max(ReadOnlySpan<float> s)
    {
        ref float x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(s);
        if (!Vector256.IsHardwareAccelerated || s.Length < Vector256<float>.Count)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < s.Length; j++) max = MathF.Max(max, s[j]);
            return max;
        }
        var m0 = Vector256.LoadUnsafe(ref x, (nuint)(s.Length - Vector256<float>.Count));
        Vector256<float> m1 = m0, m2 = m0, m3 = m0;
        int i = 0;
        for (; i + 32 <= s.Length; i += 32)
        {
            m0 = Vector256.MaxNative(m0, Vector256.LoadUnsafe(ref x, (nuint)i));
            m1 = Vector256.MaxNative(m1, Vector256.LoadUnsafe(ref x, (nuint)(i + 8)));
            m2 = Vector256.MaxNative(m2, Vector256.LoadUnsafe(ref x, (nuint)(i + 16)));
            m3 = Vector256.MaxNative(m3, Vector256.LoadUnsafe(ref x, (nuint)(i + 24)));
        }
        for (; i + 8 <= s.Length; i += 8) m0 = Vector256.MaxNative(m0, Vector256.LoadUnsafe(ref x, (nuint)i));
        var m = Vector256.MaxNative(Vector256.MaxNative(m0, m1), Vector256.MaxNative(m2, m3));
        var half = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        half = Vector128.MaxNative(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
        half = Vector128.MaxNative(half, Vector128.Shuffle(half, Vector128.Create(1, 0, 3, 2)));
        return half.ToScalar();
    }

    /// <summary>The same algorithm on one value, so every path rounds alike.</summary>
    public static float Exp(float x)
    {
        if (x < MinInput) return 0;
        if (x > MaxInput) return float.PositiveInfinity;
        float n = MathF.Round(x * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float e = MathF.FusedMultiplyAdd(p * r, r, r) + 1;
        return e * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        // Native min / max with the constant first: x86 returns the second operand when one is NaN, so a NaN
        // input stays NaN (the IEEE 754 Min / Max would too, at several instructions each).
        var clamped = Vector512.MinNative(Vector512.Create(MaxInput), Vector512.MaxNative(Vector512.Create(MinInput), x));
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var e = Vector512.FusedMultiplyAdd(p * r, r, r) + Vector512<float>.One;
        // n is integral and clamped to the exponent range: the native (unsaturated) conversion is exact, and on
        // AVX2 it is one instruction where the saturating one is several.
        var scale = (Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23;
        var result = e * scale.AsSingle();
        // Below the range the answer is 0 (not the clamped value's tiny result); above it, +infinity.
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinInput)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(MaxInput)), Vector512.Create(float.PositiveInfinity), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.MinNative(Vector256.Create(MaxInput), Vector256.MaxNative(Vector256.Create(MinInput), x));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var e = Vector256.FusedMultiplyAdd(p * r, r, r) + Vector256<float>.One;
        var scale = (Vector256.ConvertToInt32Native(n) + Vector256.Create(127)) << 23;
        var result = e * scale.AsSingle();
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(MinInput)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(MaxInput)), Vector256.Create(float.PositiveInfinity), result);
    }
}
