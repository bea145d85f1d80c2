using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// The AVX-512 BW kernel's sums (`vpmaddubsw` pairs into int16, `vpmaddwd` with ones into int32, `vpaddd`
/// accumulates): 8 rows of A against one panel of 16 channels, or two panels at once, with every sum in a zmm
/// register while K runs in groups of 4; and single rows for what a tile leaves over.
/// </summary>
static class Tiles512
{
    /// <summary>One row with the 512-bit kernel's instructions (the rows a full tile leaves over).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(ref byte a, ref sbyte b, int groups, Span<int> sums)
    {
        var ones = Vector512.Create((short)1);
        var acc = Vector512<int>.Zero;
        for (int g = 0; g < groups; g++)
            acc += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref a, g * 4), Vector512.LoadUnsafe(ref b, (nuint)(g * 64))), ones);
        acc.CopyTo(sums);
    }

    /// <summary>8 rows x 16 channels: 8 zmm sums, one panel load and 8 broadcasts a group of 4 k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile(ref byte a, int lda, ref sbyte b, int groups, Span<int> sums)
    {
        var ones = Vector512.Create((short)1);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int g = 0; g < groups; g++)
        {
            var w = Vector512.LoadUnsafe(ref b, (nuint)(g * 64));
            ref byte k = ref Unsafe.Add(ref a, g * 4);
            c0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 0), w), ones);
            c1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, lda), w), ones);
            c2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 2 * lda), w), ones);
            c3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 3 * lda), w), ones);
            c4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 4 * lda), w), ones);
            c5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 5 * lda), w), ones);
            c6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 6 * lda), w), ones);
            c7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Broadcast(ref k, 7 * lda), w), ones);
        }
        Store(sums, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>8 rows' sums of one panel, 16 a row.</summary>
    static void Store(Span<int> sums, Vector512<int> c0, Vector512<int> c1, Vector512<int> c2, Vector512<int> c3,
        Vector512<int> c4, Vector512<int> c5, Vector512<int> c6, Vector512<int> c7)
    {
        c0.CopyTo(sums);
        c1.CopyTo(sums[16..]);
        c2.CopyTo(sums[32..]);
        c3.CopyTo(sums[48..]);
        c4.CopyTo(sums[64..]);
        c5.CopyTo(sums[80..]);
        c6.CopyTo(sums[96..]);
        c7.CopyTo(sums[112..]);
    }

    /// <summary>8 rows x 2 panels (32 channels): 16 zmm sums, two panel loads and 8 broadcasts a group of 4 k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TilePair(ref byte a, int lda, ref sbyte b, int panelStride, int groups, Span<int> sums)
    {
        var ones = Vector512.Create((short)1);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<int> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        ref sbyte second = ref Unsafe.Add(ref b, panelStride);
        for (int g = 0; g < groups; g++)
        {
            var w = Vector512.LoadUnsafe(ref b, (nuint)(g * 64));
            var v = Vector512.LoadUnsafe(ref second, (nuint)(g * 64));
            ref byte k = ref Unsafe.Add(ref a, g * 4);
            var x = Broadcast(ref k, 0);
            c0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, lda);
            c1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 2 * lda);
            c2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 3 * lda);
            c3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 4 * lda);
            c4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 5 * lda);
            c5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 6 * lda);
            c6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
            x = Broadcast(ref k, 7 * lda);
            c7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);
            d7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, v), ones);
        }
        Store(sums, c0, c1, c2, c3, c4, c5, c6, c7);
        Store(sums[128..], d0, d1, d2, d3, d4, d5, d6, d7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<byte> Broadcast(ref byte k, int offset) => Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref k, offset))).AsByte();
}
