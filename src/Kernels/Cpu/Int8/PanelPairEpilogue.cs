using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// The epilogue of the AVX-512 tile (8 rows x two panels, 32 channels): for each row,
/// <c>C = (sum - zeroPoint * columnSum) * (scaleA * scaleW) + bias</c>, then the residual and the activation, stored
/// once. The same IEEE operations in the same order as <c>Int8Gemm.Dequantize</c>, so the same bits. At K = 768 a
/// tile's products take only ~6,000 cycles, so what comes after them counts: the two panels' column terms (weight
/// sums, scales, bias) are loaded once for all the rows and tiles of a pair, the sums are read without bounds
/// checks, and C's lines are prefetched before the products, so its stores do not wait for them (qkv, 1 thread:
/// 200 -> 218 G int8-ops/s against 230 for the tiles alone; docs/PERFORMANCE.md).
/// </summary>
readonly ref struct PanelPairEpilogue
{
    readonly Vector512<int> _columnSums0, _columnSums1;
    readonly Vector512<float> _scales0, _scales1, _bias0, _bias1;
    readonly ReadOnlySpan<float> _rowScales;
    readonly ReadOnlySpan<int> _zeroPoints;
    readonly Span<float> _c;
    readonly ReadOnlySpan<float> _residual;
    readonly int _n, _first;
    readonly Activation _activation;

    /// <summary>Two full panels starting at channel <paramref name="first"/> (a multiple of 16, with 32 channels to N).</summary>
    public PanelPairEpilogue(QuantizedRows a, QuantizedMatrix b, int first, ReadOnlySpan<float> bias, Span<float> c, ReadOnlySpan<float> residual, Activation activation)
    {
        _columnSums0 = Vector512.Create(b.ColumnSums.AsSpan(first, 16));
        _columnSums1 = Vector512.Create(b.ColumnSums.AsSpan(first + 16, 16));
        _scales0 = Vector512.Create(b.Scales.AsSpan(first, 16));
        _scales1 = Vector512.Create(b.Scales.AsSpan(first + 16, 16));
        _bias0 = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(bias.Slice(first, 16));
        _bias1 = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(bias.Slice(first + 16, 16));
        _rowScales = a.Scales;
        _zeroPoints = a.ZeroPoints;
        _c = c;
        _residual = residual;
        _n = b.N;
        _first = first;
        _activation = activation;
    }

    /// <summary>Asks for the lines of C that rows [row, row + 8) will be stored to (three a row where C is not 64-byte aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int row)
    {
        // C is pinned by the caller for the whole product.
        var at = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetReference(_c), row * _n + _first));
        for (int r = 0; r < 8; r++, at += _n)
        {
            Sse.Prefetch0(at);
            Sse.Prefetch0(at + 16);
            Sse.Prefetch0(at + 31);
        }
    }

    /// <summary>8 rows' sums (the first panel's 128, then the second's) into C, from row <paramref name="row"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Store(int row, ReadOnlySpan<int> sums)
    {
        ref int first = ref MemoryMarshal.GetReference(sums[..256]);
        for (int r = 0; r < 8; r++)
            Store(row + r, Vector512.LoadUnsafe(ref first, (nuint)(16 * r)), Vector512.LoadUnsafe(ref first, (nuint)(128 + 16 * r)));
    }

    /// <summary>Row <paramref name="row"/>'s sums against the first panel (<paramref name="low"/>) and the second (<paramref name="high"/>) into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int row, Vector512<int> low, Vector512<int> high)
    {
        var zero = Vector512.Create(_zeroPoints[row]);
        var scale = Vector512.Create(_rowScales[row]);
        int at = row * _n + _first;
        Store(at, low - zero * _columnSums0, scale * _scales0, _bias0);
        Store(at + 16, high - zero * _columnSums1, scale * _scales1, _bias1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Store(int at, Vector512<int> exact, Vector512<float> factor, Vector512<float> offset)
    {
        var value = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(exact), factor, offset);
        // Read before C is written: the residual may be C itself.
        if (!_residual.IsEmpty) value += Vector512.Create(_residual.Slice(at, 16));
        if (_activation != Activation.None) value = Activations.Apply(_activation, value);
        value.CopyTo(_c.Slice(at, 16));
    }
}
