using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// The rows of A (M x K, row-major) as the GEMM's row tiles read them: the R rows of a tile (R = 5 to 8) copied
/// once, by the first thread to reach the tile, into a k-major block, block[k * R + r] = A[row + r, k], at the
/// offset the rows had in A (row x K). A tile then reads one contiguous stream of R floats per k instead of R
/// rows K floats apart: on a Zen 3 (docs/PERFORMANCE.md), +8-10% on the K = 3072 products of
/// 100-500 rows, +2-5% on those of K = 768, one thread; end to end 2-8%.
/// A tile whose block another thread is still writing reads A itself: both layouts give the same bits (each
/// output is the same k-ordered chain of fused multiply-adds), so the threads never wait on each other.
/// </summary>
sealed unsafe class RowTileBlocks : IDisposable
{
    const int Unpacked = 0, Packing = 1, Ready = 2;

    readonly float* _source;
    readonly int _lda, _k;
    readonly float[]? _blocks;
    readonly int[]? _states;
    readonly float* _blocksAt;
    readonly int* _statesAt;
    GCHandle _blocksPin, _statesPin;

    /// <param name="source">A, pinned by the caller for this object's lifetime, its rows <paramref name="lda"/> floats apart.</param>
    /// <param name="pack">false: every tile reads A as it is (the GEMM's choice for products whose A is read by few
    /// panels or has short rows, where the extra pass over A does not pay).</param>
    public RowTileBlocks(float* source, int lda, int m, int k, bool pack)
    {
        _source = source;
        _lda = lda;
        _k = k;
        if (!pack) return;
        _blocks = ArrayPool<float>.Shared.Rent(m * k);
        // At most one tile per 5 rows (the shortest row tile).
        int tiles = m / 5 + 1;
        _states = ArrayPool<int>.Shared.Rent(tiles);
        Array.Clear(_states, 0, tiles);
        _blocksPin = GCHandle.Alloc(_blocks, GCHandleType.Pinned);
        _statesPin = GCHandle.Alloc(_states, GCHandleType.Pinned);
        _blocksAt = (float*)_blocksPin.AddrOfPinnedObject();
        _statesAt = (int*)_statesPin.AddrOfPinnedObject();
    }

    /// <summary>A's first float, for the rows no row tile covers (the remainder tiles, a narrow last panel).</summary>
    public nint Source => (nint)_source;

    /// <summary>Floats from one row of A to the next (K, or more for a row-strided A).</summary>
    public int SourceStride => _lda;

    /// <summary>
    /// Row tile `tile` (rows [row, row + rows)): its k-major block, packed now if no thread has claimed it yet
    /// (packed = true; blocks lie at row x K), or A's own rows while another thread packs them (packed = false;
    /// rows <see cref="SourceStride"/> apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float Rows(int tile, int row, int rows, out bool packed)
    {
        packed = _statesAt != null && Claim(tile, row, rows);
        return ref *(packed ? _blocksAt + (nint)row * _k : _source + (nint)row * _lda);
    }

    bool Claim(int tile, int row, int rows)
    {
        ref int state = ref _statesAt[tile];
        if (Volatile.Read(ref state) == Ready) return true;
        if (Interlocked.CompareExchange(ref state, Packing, Unpacked) != Unpacked) return false;
        Pack(_source + (nint)row * _lda, _lda, _k, rows, _blocksAt + (nint)row * _k);
        Volatile.Write(ref state, Ready);
        return true;
    }

    /// <summary>
    /// block[kk * rows + r] = source[r * lda + kk]. Eight k at a time through an 8 x 8 transpose in AVX registers
    /// (the rows past `rows` are padding): each of the 8 stores writes a k's `rows` values and 8 - rows values of
    /// padding, which the next store overwrites. So the transposes stop before the block's last k, whose padding
    /// would land in the next tile's block, and the last 1-8 k go one value at a time.
    /// </summary>
    static void Pack(float* source, int lda, int k, int rows, float* block)
    {
        int kk = 0;
        if (Avx.IsSupported)
            for (; kk + 8 < k; kk += 8)
                Transpose8x8.Rows(source + kk, lda, rows, block + (nint)kk * rows, rows);
        for (; kk < k; kk++)
            for (int r = 0; r < rows; r++)
                block[(nint)kk * rows + r] = source[(nint)r * lda + kk];
    }

    public void Dispose()
    {
        if (_blocks is null) return;
        _blocksPin.Free();
        _statesPin.Free();
        ArrayPool<float>.Shared.Return(_blocks);
        ArrayPool<int>.Shared.Return(_states!);
    }
}
