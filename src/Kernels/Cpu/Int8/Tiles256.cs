using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// The 256-bit kernels' sums, one panel of 16 channels as two ymm halves of 8, with the step as a type parameter
/// (AVX2's three instructions or AVX-VNNI's `vpdpbusd`; the JIT compiles each tile once per step): 4 rows (AVX2),
/// 6 rows (AVX-VNNI), and single rows.
/// </summary>
static class Tiles256
{
    /// <summary>
    /// One row with a 256-bit kernel's step: channels 0-7 and 8-15, each in two sums (even and odd groups of k)
    /// added at the end, so that `vpdpbusd` has four independent chains, not two, to hide its latency (a caption
    /// step at batch 1 is all single rows). Integer sums: the same whatever the order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row<TStep>(ref byte a, ref sbyte b, int groups, Span<int> sums) where TStep : IStep256
    {
        Vector256<int> low = default, high = default, nextLow = default, nextHigh = default;
        int g = 0;
        for (; g + 1 < groups; g += 2)
        {
            var x = Broadcast(ref a, g * 4);
            low = TStep.Accumulate(low, x, Vector256.LoadUnsafe(ref b, (nuint)(g * 64)));
            high = TStep.Accumulate(high, x, Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 32)));
            var y = Broadcast(ref a, g * 4 + 4);
            nextLow = TStep.Accumulate(nextLow, y, Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 64)));
            nextHigh = TStep.Accumulate(nextHigh, y, Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 96)));
        }
        if (g < groups)
        {
            var x = Broadcast(ref a, g * 4);
            low = TStep.Accumulate(low, x, Vector256.LoadUnsafe(ref b, (nuint)(g * 64)));
            high = TStep.Accumulate(high, x, Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 32)));
        }
        Store(low + nextLow, high + nextHigh, sums);
    }

    /// <summary>
    /// 4 rows x 16 channels with a 256-bit step: two ymm sums a row (channels 0-7 and 8-15), 14 of AVX2's 16
    /// registers with the step's temporaries.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FourRows<TStep>(ref byte a, int lda, ref sbyte b, int groups, Span<int> sums) where TStep : IStep256
    {
        Vector256<int> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
        for (int g = 0; g < groups; g++)
        {
            var w0 = Vector256.LoadUnsafe(ref b, (nuint)(g * 64));
            var w1 = Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 32));
            ref byte k = ref Unsafe.Add(ref a, g * 4);
            var x = Broadcast(ref k, 0);
            l0 = TStep.Accumulate(l0, x, w0);
            h0 = TStep.Accumulate(h0, x, w1);
            x = Broadcast(ref k, lda);
            l1 = TStep.Accumulate(l1, x, w0);
            h1 = TStep.Accumulate(h1, x, w1);
            x = Broadcast(ref k, 2 * lda);
            l2 = TStep.Accumulate(l2, x, w0);
            h2 = TStep.Accumulate(h2, x, w1);
            x = Broadcast(ref k, 3 * lda);
            l3 = TStep.Accumulate(l3, x, w0);
            h3 = TStep.Accumulate(h3, x, w1);
        }
        Store(l0, h0, sums);
        Store(l1, h1, sums[16..]);
        Store(l2, h2, sums[32..]);
        Store(l3, h3, sums[48..]);
    }

    /// <summary>
    /// 6 rows x 16 channels: 12 ymm sums, the two weight vectors and the broadcast fill AVX-VNNI's 16 registers, as
    /// `vpdpbusd` needs no temporaries. Twelve independent sums, not eight, because each `vpdpbusd` waits for its
    /// sum's last one: at a latency of 5 cycles and two a cycle (Intel since Ice Lake), ten chains keep the units
    /// busy where eight would leave a fifth of them idle. (MLAS's AVX-VNNI kernel takes 6 rows for the same reason.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SixRows<TStep>(ref byte a, int lda, ref sbyte b, int groups, Span<int> sums) where TStep : IStep256
    {
        Vector256<int> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default;
        Vector256<int> l3 = default, h3 = default, l4 = default, h4 = default, l5 = default, h5 = default;
        for (int g = 0; g < groups; g++)
        {
            var w0 = Vector256.LoadUnsafe(ref b, (nuint)(g * 64));
            var w1 = Vector256.LoadUnsafe(ref b, (nuint)(g * 64 + 32));
            ref byte k = ref Unsafe.Add(ref a, g * 4);
            var x = Broadcast(ref k, 0);
            l0 = TStep.Accumulate(l0, x, w0);
            h0 = TStep.Accumulate(h0, x, w1);
            x = Broadcast(ref k, lda);
            l1 = TStep.Accumulate(l1, x, w0);
            h1 = TStep.Accumulate(h1, x, w1);
            x = Broadcast(ref k, 2 * lda);
            l2 = TStep.Accumulate(l2, x, w0);
            h2 = TStep.Accumulate(h2, x, w1);
            x = Broadcast(ref k, 3 * lda);
            l3 = TStep.Accumulate(l3, x, w0);
            h3 = TStep.Accumulate(h3, x, w1);
            x = Broadcast(ref k, 4 * lda);
            l4 = TStep.Accumulate(l4, x, w0);
            h4 = TStep.Accumulate(h4, x, w1);
            x = Broadcast(ref k, 5 * lda);
            l5 = TStep.Accumulate(l5, x, w0);
            h5 = TStep.Accumulate(h5, x, w1);
        }
        Store(l0, h0, sums);
        Store(l1, h1, sums[16..]);
        Store(l2, h2, sums[32..]);
        Store(l3, h3, sums[48..]);
        Store(l4, h4, sums[64..]);
        Store(l5, h5, sums[80..]);
    }

    /// <summary>sums + the products of 4 activation bytes and 4 weight bytes a lane, in one 256-bit kernel's instructions.</summary>
    internal interface IStep256
    {
        static abstract Vector256<int> Accumulate(Vector256<int> sums, Vector256<byte> activations, Vector256<sbyte> weights);
    }

    /// <summary>AVX2: `vpmaddubsw` (pairs into int16), `vpmaddwd` with ones (into int32), `vpaddd`.</summary>
    internal readonly struct Avx2Step : IStep256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Accumulate(Vector256<int> sums, Vector256<byte> activations, Vector256<sbyte> weights) =>
            sums + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(activations, weights), Vector256.Create((short)1));
    }

    /// <summary>AVX-VNNI: `vpdpbusd`, the three in one, with no int16 step.</summary>
    internal readonly struct VnniStep : IStep256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Accumulate(Vector256<int> sums, Vector256<byte> activations, Vector256<sbyte> weights) =>
            AvxVnni.MultiplyWideningAndAdd(sums, activations, weights);
    }

    static void Store(Vector256<int> low, Vector256<int> high, Span<int> sums)
    {
        low.CopyTo(sums);
        high.CopyTo(sums[8..]);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<byte> Broadcast(ref byte k, int offset) => Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref k, offset))).AsByte();
}
