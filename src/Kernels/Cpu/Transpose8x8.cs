using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu;

/// <summary>An 8 x 8 block of floats turned in AVX registers, for the packers of B panels and of A's row tiles.</summary>
static class Transpose8x8
{
    /// <summary>
    /// destination[j * destinationStride + r] = source[r * sourceStride + j], j &lt; 8, for the first `rows` (5 to 8)
    /// source rows; each destination row is stored 8 wide, its values past `rows` being padding. Three rounds of
    /// shuffles: pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped into place.
    /// Optimized from its first call: a short process (one clip embedded) packs attention's keys and A's row
    /// tiles with it before tiering replaces the tier-0 code (K^T packing over the first 200 calls: 0.33 ms a
    /// layer that way, 0.12 optimized from the start, 0.06 in steady state).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Rows(float* source, long sourceStride, int rows, float* destination, long destinationStride)
    {
        var r0 = Avx.LoadVector256(source);
        var r1 = Avx.LoadVector256(source + sourceStride);
        var r2 = Avx.LoadVector256(source + 2 * sourceStride);
        var r3 = Avx.LoadVector256(source + 3 * sourceStride);
        var r4 = Avx.LoadVector256(source + 4 * sourceStride);
        var r5 = rows > 5 ? Avx.LoadVector256(source + 5 * sourceStride) : r4;
        var r6 = rows > 6 ? Avx.LoadVector256(source + 6 * sourceStride) : r4;
        var r7 = rows > 7 ? Avx.LoadVector256(source + 7 * sourceStride) : r4;
        // t: elements (0,1 | 4,5) or (2,3 | 6,7) of two rows, interleaved.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // s: element j (low half) and j + 4 (high half) of rows 0-3 (s0-s3) or 4-7 (s4-s7).
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(destination, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(destination + destinationStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(destination + 2 * destinationStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(destination + 3 * destinationStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(destination + 4 * destinationStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(destination + 5 * destinationStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(destination + 6 * destinationStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(destination + 7 * destinationStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
