using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// C = A B + bias, float32: A is M x K row-major (activations), B a <see cref="PackedMatrix"/> (weights),
/// bias has N entries (or is empty), C is M x N row-major; A's and C's rows may lie further apart (lda, ldc).
///
/// Tiling: C is cut into MR x NR register tiles (MR = 8 rows with AVX-512, 6 with AVX2, one row fewer where M
/// needs it; then 4, then 2 for the last rows; NR = 2 vectors = one packed panel; a last panel narrower than NR
/// runs the same tiles into a buffer and copies its columns out). For each tile the micro-kernel walks k = 0..K-1 once: it loads the panel's
/// two vectors for row k, broadcasts A[r, k] for each row, and does 2 MR fused multiply-adds into
/// accumulators that stay in registers; the bias is added on the way out. The first thread to reach a row tile
/// of a large product copies its rows of A into a k-major block (<see cref="RowTileBlocks"/>), so that every
/// later panel reads them as one stream. Threads split the panels (columns of C), pairs
/// of threads walking a <see cref="PanelRange"/> from both ends. While a thread works on a panel, its first row tiles
/// prefetch the next one it will take, so that the weights stream in from memory before they are needed.
/// The tiles (GemmTiles.cs) are written once over <see cref="IFloatLanes{T}"/> for Vector512, Vector256, Vector128
/// and scalar; Vector128 takes AVX2's tile shapes, which x86's 16 registers hold (ARM64's 32 would hold AVX-512's).
/// </summary>
public static partial class Gemm
{
    const int RowsPerTile = 4;

    // The tallest register tile (AVX-512's 8 rows): the edge buffer of a narrow panel holds one.
    const int MaxTileRows = 8;

    // The fewest rows of a row tile (AVX2's 5-row one): below this, no product runs a row tile.
    const int MinRowTile = 5;

    // A's row tiles are packed (RowTileBlocks) when A is read by at least this many panels, to amortize the
    // extra pass over A, and its rows are this long: attention's products (K = 96 for Q K^T, 6 panels for
    // P V) measured 2-11% slower packed, their short rows being streamed as well as they are.
    const int PackMinPanels = 8, PackMinK = 256;

    // Floats in a 64-byte cache line.
    const int LineFloats = 16;

    // Below this many multiply-adds a product runs on one thread: fan-out costs more than it saves.
    const long ParallelThreshold = 1 << 20;

    // Row tiles of a panel that prefetch the next one, a share each (see Panels).
    const int PrefetchingTiles = 4;

    public static void Multiply(ReadOnlySpan<float> a, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c) =>
        Multiply(a, m, b, bias, c, WorkerPool.Width);

    /// <summary>
    /// C = activation(A B + bias): the activation runs on each tile right after it is stored, while it is in
    /// L1, instead of a second pass over the whole (500 x 3072 = 6 MB) output. Same values as
    /// <see cref="Activations"/>' separate pass, bit for bit.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c, Activation activation) =>
        Multiply(a, m, b, bias, c, WorkerPool.Width, activation);

    /// <summary>
    /// C = A B + bias + R: a residual connection added to each tile's registers before the store, instead
    /// of a pass over the output. R may be C itself (x += W h + b, in place); otherwise it must not overlap C.
    /// The same bits as adding R to the product afterwards.
    /// </summary>
    public static void MultiplyAdd(ReadOnlySpan<float> a, int m, PackedMatrix b, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> c)
    {
        if (residual.Length < (long)m * b.N) throw new ArgumentException($"the residual holds {residual.Length} values, {m} x {b.N} needed");
        if (residual.Overlaps(c, out int offset) && offset != 0) throw new ArgumentException("the residual must be C itself or not overlap it");
        Multiply(a, m, b, bias, c, WorkerPool.Width, Activation.None, residual);
    }

    /// <param name="maxThreads">1 for products issued from inside an already parallel loop.</param>
    public static void Multiply(ReadOnlySpan<float> a, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c, int maxThreads,
        Activation activation = Activation.None) =>
        Multiply(a, m, b, bias, c, maxThreads, activation, []);

    /// <summary>
    /// C = A B with A's rows <paramref name="lda"/> floats apart and C's <paramref name="ldc"/> apart (BLAS's
    /// leading dimensions): attention reads one head's queries straight out of the fused q|k|v rows and writes
    /// its output straight into the heads' side-by-side columns, with no copy of either.
    /// </summary>
    internal static void Multiply(ReadOnlySpan<float> a, int lda, int m, PackedMatrix b, Span<float> c, int ldc, int maxThreads) =>
        Multiply(a, lda, m, b, [], c, ldc, maxThreads, Activation.None, []);

    static void Multiply(ReadOnlySpan<float> a, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c, int maxThreads,
        Activation activation, ReadOnlySpan<float> residual) =>
        Multiply(a, b.K, m, b, bias, c, b.N, maxThreads, activation, residual);

    static void Multiply(ReadOnlySpan<float> a, int lda, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c, int ldc, int maxThreads,
        Activation activation, ReadOnlySpan<float> residual)
    {
        if (lda < b.K || ldc < b.N) throw new ArgumentException($"row strides {lda} (A) and {ldc} (C) below K = {b.K} and N = {b.N}");
        if (m > 0 && a.Length < (long)(m - 1) * lda + b.K) throw new ArgumentException($"A holds {a.Length} values, {m} rows of {b.K} every {lda} needed");
        if (m > 0 && c.Length < (long)(m - 1) * ldc + b.N) throw new ArgumentException($"C holds {c.Length} values, {m} rows of {b.N} every {ldc} needed");
        if (!bias.IsEmpty && bias.Length != b.N) throw new ArgumentException($"bias of {bias.Length} for {b.N} columns");
        // The tiles add the residual before the activation pass; no layer needs both, so none may ask for both.
        if (activation != Activation.None && !residual.IsEmpty) throw new ArgumentException("an activation and a residual together");
        if (m == 0) return;
        switch (b.Isa)
        {
            case InstructionSet.Vector512: Run<Vector512Float, Vector512<float>>(a, lda, m, b, bias, c, ldc, maxThreads, activation, residual); break;
            case InstructionSet.Vector256: Run<Vector256Float, Vector256<float>>(a, lda, m, b, bias, c, ldc, maxThreads, activation, residual); break;
            case InstructionSet.Vector128: Run<Vector128Float, Vector128<float>>(a, lda, m, b, bias, c, ldc, maxThreads, activation, residual); break;
            default: Run<ScalarFloat, float>(a, lda, m, b, bias, c, ldc, maxThreads, activation, residual); break;
        }
    }

    static unsafe void Run<TL, T>(ReadOnlySpan<float> a, int lda, int m, PackedMatrix b, ReadOnlySpan<float> bias, Span<float> c, int ldc, int maxThreads,
        Activation activation, ReadOnlySpan<float> residual)
        where TL : IFloatLanes<T> where T : unmanaged
    {
        int panels = b.PanelCount;
        long work = (long)m * b.K * b.N;
        int threads = work < ParallelThreshold ? 1 : Math.Max(1, Math.Min(Math.Min(maxThreads, WorkerPool.Width), panels));
        fixed (float* pa = a, pc = c, pbias = bias, pr = residual)
        {
            var epilogue = new Epilogue(bias.IsEmpty ? 0 : (nint)pbias, activation, residual.IsEmpty ? 0 : (nint)pr, ldc);
            var cPtr = (nint)pc;
            using var blocks = new RowTileBlocks(pa, lda, m, b.K, pack: m >= MinRowTile && panels >= PackMinPanels && b.K >= PackMinK);
            if (threads == 1)
            {
                Panels<TL, T>(blocks, m, b, cPtr, 0, panels, epilogue, -1);
                return;
            }
            // Threads split the panels (columns of C; splitting rows instead, so that each thread's share of A stays
            // in its L2, measured no better on the 2-core VM). Each pair of threads shares a range of panels and
            // walks it from both ends, a panel at a time, until they meet: a thread slowed by the VM leaves more to
            // its partner, and the panel a thread takes next is the one it has prefetched. (Chunks claimed from a
            // shared counter left the first panel of each chunk unprefetched: at N = 768, a third of them.)
            var ranges = PanelRange.ForThreads(panels, threads);
            WorkerPool.For(threads, walker =>
            {
                var range = ranges[walker / 2];
                if (walker % 2 == 0)
                    for (int p; (p = range.TakeFirst()) >= 0;)
                        Panels<TL, T>(blocks, m, b, cPtr, p, p + 1, epilogue, p + 1 < range.End ? p + 1 : -1);
                else
                    for (int p; (p = range.TakeLast()) >= 0;)
                        Panels<TL, T>(blocks, m, b, cPtr, p, p + 1, epilogue, p - 1 >= range.Start ? p - 1 : -1);
            }, threads);
        }
    }

    /// <summary>Where a tile goes (C's rows `Ldc` floats apart, the residual's too) and what happens on the way: + bias, then + residual or the activation (pointers; 0 = none).</summary>
    readonly record struct Epilogue(nint Bias, Activation Activation, nint Residual, int Ldc);

    /// <summary>All m rows of C for the panels [firstPanel, lastPanel), A read through `blocks`; the last one prefetches panel `afterLast` (-1: none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Panels<TL, T>(RowTileBlocks blocks, int m, PackedMatrix b, nint c, int firstPanel, int lastPanel, Epilogue epilogue, int afterLast)
        where TL : IFloatLanes<T> where T : unmanaged
    {
        int k = b.K, n = b.N, nr = b.PanelWidth, stride = b.PanelStride, lda = blocks.SourceStride;
        var (bias, activation, residual, ldc) = epilogue;
        Span<float> edge = stackalloc float[MaxTileRows * nr];
        Span<float> edgeBias = stackalloc float[nr];
        ref float panels = ref b.Panels;
        for (int p = firstPanel; p < lastPanel; p++)
        {
            int column = p * nr, width = Math.Min(nr, n - column);
            ref float panel = ref Unsafe.Add(ref panels, (nint)p * stride);
            // The last panel may be narrower than NR: its tiles are computed whole into `edge` (the panel is
            // zero-padded), then the valid columns are copied out.
            var output = new TileOutput(c, residual, ldc, column, width, edge);
            bool full = !output.Narrow;
            int next = p + 1 < lastPanel ? p + 1 : afterLast;
            ref float nextPanel = ref Unsafe.Add(ref panels, (nint)Math.Max(next, 0) * stride);
            ref float biasRow = ref full ? ref At(bias, column) : ref EdgeBias(edgeBias, bias, column, width);
            // 16 accumulators fit AVX-512's 32 vector registers; AVX2 has 16, so there the tall tile is 6 rows
            // (12 accumulators + 2 panel vectors + 1 broadcast), as in the classic Haswell kernels.
            int row = TL.Count >= 16
                ? RowTiles<TL, T, Eight, Seven>(blocks, m, k, ref panel, ref nextPanel, next >= 0, ref biasRow, output, activation)
                : RowTiles<TL, T, Six, Five>(blocks, m, k, ref panel, ref nextPanel, next >= 0, ref biasRow, output, activation);
            for (; row < m; row += RowsPerTile)
            {
                int rows = Math.Min(RowsPerTile, m - row);
                ref float aRow = ref At(blocks.Source, (nint)row * lda);
                if (full && rows <= 2)
                    // One or two rows left (e.g. M = 50): a 4-row tile would waste half its multiply-adds.
                    PairTile<TL, T>(ref aRow, k, lda, rows, ref panel, ref biasRow, ref At(c, (nint)row * ldc + column), ref At(residual, (nint)row * ldc + column), ldc, activation);
                else if (full)
                    Tile<TL, T>(ref aRow, k, lda, rows, ref panel, ref biasRow, ref At(c, (nint)row * ldc + column), ref At(residual, (nint)row * ldc + column), ldc, activation);
                else
                {
                    Tile<TL, T>(ref aRow, k, lda, rows, ref panel, ref biasRow, ref MemoryMarshal.GetReference(edge), ref Unsafe.NullRef<float>(), nr, activation);
                    output.CopyOut(row, rows);
                }
            }
        }
    }

    /// <summary>
    /// Where a panel's tiles go: straight into C (and its residual; rows `Ldc` floats apart), or for a panel narrower than NR into
    /// `Edge` (a tile of NR columns, rows NR apart), whose first `Width` columns are then copied to C.
    /// </summary>
    readonly unsafe ref struct TileOutput(nint c, nint residual, int ldc, int column, int width, Span<float> edge)
    {
        public readonly nint C = c, Residual = residual;
        public readonly int Ldc = ldc, Column = column, Width = width;
        public readonly Span<float> Edge = edge;
        public readonly bool Narrow = width < edge.Length / MaxTileRows;

        /// <summary>Rows [row, row + rows) of the tile in `Edge` into C, with the residual added.</summary>
        public void CopyOut(int row, int rows)
        {
            int nr = Edge.Length / MaxTileRows;
            for (int r = 0; r < rows; r++)
            {
                var target = new Span<float>((float*)C + (long)(row + r) * Ldc + Column, Width);
                var tile = Edge.Slice(r * nr, Width);
                if (Residual == 0) tile.CopyTo(target);
                else
                    for (int j = 0; j < Width; j++)
                        target[j] = tile[j] + ((float*)Residual)[(long)(row + r) * Ldc + Column + j];
            }
        }
    }

    /// <summary>
    /// The full row tiles of one panel: every row through a TTall- or TShort-row tile (TShort = TTall - 1) when M
    /// allows, tall x + short y = M with the fewest short ones (y = -M mod TTall), as a 4- or 2-row remainder tile
    /// keeps too few multiply-adds in flight (AVX2, M = 100 = 15 x 6 + 2 x 5). Returns the first row left over.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int RowTiles<TL, T, TTall, TShort>(RowTileBlocks blocks, int m, int k, ref float panel, ref float nextPanel, bool hasNext, ref float biasRow,
        TileOutput output, Activation activation)
        where TL : IFloatLanes<T> where T : unmanaged where TTall : struct, IRowCount where TShort : struct, IRowCount
    {
        int nr = 2 * TL.Count;
        int shorts = (TTall.Count - m % TTall.Count) % TTall.Count;
        if (TShort.Count * shorts > m) shorts = 0;
        int tallEnd = m - TShort.Count * shorts, row = 0, tile = 0;
        for (; row + TTall.Count <= tallEnd; row += TTall.Count, tile++)
            RowTileOf<TL, T, TTall>(blocks, tile, row, k, ref panel, ref biasRow, output, activation, ref Ahead(ref panel, ref nextPanel, k, nr, tile, hasNext));
        for (; shorts > 0 && row + TShort.Count <= m; row += TShort.Count, tile++)
            RowTileOf<TL, T, TShort>(blocks, tile, row, k, ref panel, ref biasRow, output, activation, ref Ahead(ref panel, ref nextPanel, k, nr, tile, hasNext));
        return row;
    }

    /// <summary>
    /// Row tile `tile` (rows [row, row + TRows)) through the micro-kernel for its rows' layout: packed, or A's own
    /// while another thread packs them; stored into C, or for a narrow panel into the edge buffer and copied out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowTileOf<TL, T, TRows>(RowTileBlocks blocks, int tile, int row, int k, ref float panel, ref float bias, TileOutput output,
        Activation activation, ref float ahead)
        where TL : IFloatLanes<T> where T : unmanaged where TRows : struct, IRowCount
    {
        ref float rows = ref blocks.Rows(tile, row, TRows.Count, out bool packed);
        bool narrow = output.Narrow;
        ref float c = ref narrow ? ref MemoryMarshal.GetReference(output.Edge) : ref At(output.C, (nint)row * output.Ldc + output.Column);
        ref float r = ref narrow ? ref Unsafe.NullRef<float>() : ref At(output.Residual, (nint)row * output.Ldc + output.Column);
        int ldc = narrow ? 2 * TL.Count : output.Ldc;
        if (packed) RowTile<TL, T, TRows, KMajorRows>(ref rows, k, TRows.Count, ref panel, ref bias, ref c, ref r, ldc, activation, ref ahead);
        else RowTile<TL, T, TRows, RowMajorRows>(ref rows, k, blocks.SourceStride, ref panel, ref bias, ref c, ref r, ldc, activation, ref ahead);
        if (narrow) output.CopyOut(row, TRows.Count);
    }

    /// <summary>
    /// Where row tile `tile` of a panel prefetches. A panel's weights come from DRAM once and from L2 for every
    /// later row tile; without help the first tile waits on them (at M = 100, 17 tiles a panel, that cost 5-12%
    /// of the product). So the first tiles fetch the next panel ahead, a quarter each, one panel row per
    /// 4 k steps; the other tiles aim at their own panel, already cached, which keeps the micro-kernel free of branches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref float Ahead(ref float panel, ref float next, int k, int nr, int tile, bool hasNext) =>
        ref tile < PrefetchingTiles && hasNext ? ref Unsafe.Add(ref next, (nint)tile * (k / 4) * nr) : ref panel;

    /// <summary>The float at base + offset, or a null reference when base is 0 (no bias / residual).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe ref float At(nint address, nint offset) => ref address == 0 ? ref Unsafe.NullRef<float>() : ref Unsafe.Add(ref *(float*)address, offset);

    static unsafe ref float EdgeBias(Span<float> edgeBias, nint bias, int column, int width)
    {
        edgeBias.Clear();
        if (bias != 0) new ReadOnlySpan<float>((float*)bias + column, width).CopyTo(edgeBias);
        return ref MemoryMarshal.GetReference(edgeBias);
    }
}
