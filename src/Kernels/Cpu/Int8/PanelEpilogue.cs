using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// The epilogue of the 256-bit tiles (4 rows on AVX2, 4 or 6 on AVX-VNNI, x one panel of 16 channels, as two halves of 8):
/// <see cref="PanelPairEpilogue"/>'s operations on 256-bit vectors, so the same bits as every other kernel. The
/// panel's column terms are loaded once for all its tiles, and C's lines are prefetched before the products.
/// </summary>
readonly ref struct PanelEpilogue
{
    readonly Vector256<int> _columnSums0, _columnSums1;
    readonly Vector256<float> _scales0, _scales1, _bias0, _bias1;
    readonly ReadOnlySpan<float> _rowScales;
    readonly ReadOnlySpan<int> _zeroPoints;
    readonly Span<float> _c;
    readonly ReadOnlySpan<float> _residual;
    readonly int _n, _first;
    readonly Activation _activation;

    /// <summary>The full panel of channels [first, first + 16).</summary>
    public PanelEpilogue(QuantizedRows a, QuantizedMatrix b, int first, ReadOnlySpan<float> bias, Span<float> c, ReadOnlySpan<float> residual, Activation activation)
    {
        _columnSums0 = Vector256.Create(b.ColumnSums.AsSpan(first, 8));
        _columnSums1 = Vector256.Create(b.ColumnSums.AsSpan(first + 8, 8));
        _scales0 = Vector256.Create(b.Scales.AsSpan(first, 8));
        _scales1 = Vector256.Create(b.Scales.AsSpan(first + 8, 8));
        _bias0 = bias.IsEmpty ? Vector256<float>.Zero : Vector256.Create(bias.Slice(first, 8));
        _bias1 = bias.IsEmpty ? Vector256<float>.Zero : Vector256.Create(bias.Slice(first + 8, 8));
        _rowScales = a.Scales;
        _zeroPoints = a.ZeroPoints;
        _c = c;
        _residual = residual;
        _n = b.N;
        _first = first;
        _activation = activation;
    }

    /// <summary>Asks for the lines of C that rows [row, row + rows) will be stored to (two a row where C is not 64-byte aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int row, int rows)
    {
        // C is pinned by the caller for the whole product.
        var at = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetReference(_c), row * _n + _first));
        for (int r = 0; r < rows; r++, at += _n)
        {
            Sse.Prefetch0(at);
            Sse.Prefetch0(at + 15);
        }
    }

    /// <summary>The sums of rows [row, row + rows) (16 a row) into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Store(int row, int rows, ReadOnlySpan<int> sums)
    {
        ref int first = ref MemoryMarshal.GetReference(sums[..(16 * rows)]);
        for (int r = 0; r < rows; r++)
        {
            var zero = Vector256.Create(_zeroPoints[row + r]);
            var scale = Vector256.Create(_rowScales[row + r]);
            int at = (row + r) * _n + _first;
            Store(at, Vector256.LoadUnsafe(ref first, (nuint)(16 * r)) - zero * _columnSums0, scale * _scales0, _bias0);
            Store(at + 8, Vector256.LoadUnsafe(ref first, (nuint)(16 * r + 8)) - zero * _columnSums1, scale * _scales1, _bias1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Store(int at, Vector256<int> exact, Vector256<float> factor, Vector256<float> offset)
    {
        var value = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(exact), factor, offset);
        // Read before C is written: the residual may be C itself.
        if (!_residual.IsEmpty) value += Vector256.Create(_residual.Slice(at, 8));
        if (_activation != Activation.None) value = Activations.Apply(_activation, value);
        value.CopyTo(_c.Slice(at, 8));
    }
}
