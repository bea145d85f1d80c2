using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// y = (x - mean) / sqrt(var + eps) * scale + bias over each row. The mean and the (two-pass) variance
/// are accumulated in float64: a float32 running sum of a row whose mean is large loses the small
/// deviations that LayerNorm is about (the scalar path showed 1e-4 errors at mean 100).
/// </summary>
public static class LayerNorm
{
    public static unsafe void Apply(ReadOnlySpan<float> x, int rows, int width, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        if (scale.Length != width || bias.Length != width) throw new ArgumentException("scale and bias must have the row width");
        if (x.Length < (long)rows * width || y.Length < (long)rows * width) throw new ArgumentException("x or y is shorter than rows x width");
        // Rows are independent: large inputs are split by rows across the workers.
        fixed (float* px = x, py = y, pscale = scale, pbias = bias)
        {
            var (ax, ay, ascale, abias) = ((nint)px, (nint)py, (nint)pscale, (nint)pbias);
            ParallelSpans.Rows(rows, width, (first, count) => Rows(
                new ReadOnlySpan<float>((float*)ax + (long)first * width, count * width), count, width,
                new ReadOnlySpan<float>((float*)ascale, width), new ReadOnlySpan<float>((float*)abias, width), eps,
                new Span<float>((float*)ay + (long)first * width, count * width)));
        }
    }

    /// <summary>
    /// Three passes over a row: its sum, the sum of its squared deviations (each deviation x - mean rounded to
    /// float first, as a stored centered row would hold it), and y = (x - mean) inverse scale + bias with one
    /// fused multiply-add. The same operations, in the same order, as centering the row into a buffer first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Rows(ReadOnlySpan<float> x, int rows, int width, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * width, width);
            float mean = (float)(SumInDouble(row, square: false, 0) / width);
            float inverse = (float)(1 / Math.Sqrt(SumInDouble(row, square: true, mean) / width + eps));
            Normalize(row, mean, inverse, scale, bias, y.Slice(r * width, width));
        }
    }

    /// <summary>y = ((x - mean) inverse) scale + bias, the last step one fused multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Normalize(ReadOnlySpan<float> x, float mean, float inverse, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> y)
    {
        int i = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ss = ref MemoryMarshal.GetReference(scale);
        ref float bs = ref MemoryMarshal.GetReference(bias);
        ref float ys = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
        {
            var m = Vector512.Create(mean);
            var inv = Vector512.Create(inverse);
            for (; i + 16 <= x.Length; i += 16)
                Vector512.FusedMultiplyAdd((Vector512.LoadUnsafe(ref xs, (nuint)i) - m) * inv, Vector512.LoadUnsafe(ref ss, (nuint)i), Vector512.LoadUnsafe(ref bs, (nuint)i))
                    .StoreUnsafe(ref ys, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated && Isa.Active >= InstructionSet.Vector256)
        {
            var m = Vector256.Create(mean);
            var inv = Vector256.Create(inverse);
            for (; i + 8 <= x.Length; i += 8)
                Vector256.FusedMultiplyAdd((Vector256.LoadUnsafe(ref xs, (nuint)i) - m) * inv, Vector256.LoadUnsafe(ref ss, (nuint)i), Vector256.LoadUnsafe(ref bs, (nuint)i))
                    .StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = MathF.FusedMultiplyAdd((x[i] - mean) * inverse, scale[i], bias[i]);
    }

    /// <summary>
    /// Sum of x - shift (or of its square) accumulated in float64, 8 or 4 double lanes at a time with two
    /// accumulators (a scalar chain waits 4 cycles per add: it made LayerNorm 5% of an AVX2 layer). x - shift is
    /// rounded to float before it is widened.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double SumInDouble(ReadOnlySpan<float> x, bool square, float shift)
    {
        int i = 0;
        double sum = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && Isa.Active == InstructionSet.Vector512)
        {
            var acc = Vector512<double>.Zero;
            for (; i + 16 <= x.Length; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xs, (nuint)i) - Vector512.Create(shift);
                var (low, high) = Vector512.Widen(v);
                acc += square ? low * low + high * high : low + high;
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && Isa.Active >= InstructionSet.Vector256)
        {
            Vector256<double> acc0 = default, acc1 = default;
            for (; i + 8 <= x.Length; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xs, (nuint)i) - Vector256.Create(shift);
                var (low, high) = Vector256.Widen(v);
                if (square)
                {
                    acc0 = Vector256.FusedMultiplyAdd(low, low, acc0);
                    acc1 = Vector256.FusedMultiplyAdd(high, high, acc1);
                }
                else
                {
                    acc0 += low;
                    acc1 += high;
                }
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < x.Length; i++)
        {
            float v = x[i] - shift;
            sum += square ? (double)v * v : v;
        }
        return sum;
    }
}
