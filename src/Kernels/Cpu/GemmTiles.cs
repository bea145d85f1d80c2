using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// The float32 product's register tiles, written once over <see cref="IFloatLanes{T}"/>: 4 rows (and 1-2 rows) of A
/// times one panel from A's own rows, and the row tiles of 5 to 8 rows that read A as it is or as
/// <see cref="RowTileBlocks"/> packed it; with their store (bias, residual) and the activation over a stored tile.
/// </summary>
public static partial class Gemm
{
    /// <summary>Up to 4 rows of A times one panel: 2 vectors x 4 rows of accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Tile<TL, T>(ref float a, int k, int lda, int rows, ref float panel, ref float bias, ref float c, ref float r, int ldc, Activation activation)
        where TL : IFloatLanes<T> where T : unmanaged
    {
        int w = TL.Count;
        T c00 = TL.Zero, c01 = TL.Zero, c10 = TL.Zero, c11 = TL.Zero, c20 = TL.Zero, c21 = TL.Zero, c30 = TL.Zero, c31 = TL.Zero;
        ref float a0 = ref a;
        ref float a1 = ref rows > 1 ? ref Unsafe.Add(ref a, lda) : ref a;
        ref float a2 = ref rows > 2 ? ref Unsafe.Add(ref a, 2 * lda) : ref a;
        ref float a3 = ref rows > 3 ? ref Unsafe.Add(ref a, 3 * lda) : ref a;
        for (int i = 0; i < k; i++)
        {
            ref float bRow = ref Unsafe.Add(ref panel, i * 2 * w);
            T b0 = TL.Load(ref bRow), b1 = TL.Load(ref Unsafe.Add(ref bRow, w));
            T x = TL.Broadcast(Unsafe.Add(ref a0, i));
            c00 = TL.MultiplyAdd(x, b0, c00);
            c01 = TL.MultiplyAdd(x, b1, c01);
            x = TL.Broadcast(Unsafe.Add(ref a1, i));
            c10 = TL.MultiplyAdd(x, b0, c10);
            c11 = TL.MultiplyAdd(x, b1, c11);
            x = TL.Broadcast(Unsafe.Add(ref a2, i));
            c20 = TL.MultiplyAdd(x, b0, c20);
            c21 = TL.MultiplyAdd(x, b1, c21);
            x = TL.Broadcast(Unsafe.Add(ref a3, i));
            c30 = TL.MultiplyAdd(x, b0, c30);
            c31 = TL.MultiplyAdd(x, b1, c31);
        }
        T bias0 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref bias);
        T bias1 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref Unsafe.Add(ref bias, w));
        Store<TL, T>(TL.Add(c00, bias0), TL.Add(c01, bias1), ref c, ref r, w);
        if (rows > 1) Store<TL, T>(TL.Add(c10, bias0), TL.Add(c11, bias1), ref Unsafe.Add(ref c, ldc), ref Row(ref r, ldc), w);
        if (rows > 2) Store<TL, T>(TL.Add(c20, bias0), TL.Add(c21, bias1), ref Unsafe.Add(ref c, 2 * ldc), ref Row(ref r, 2 * ldc), w);
        if (rows > 3) Store<TL, T>(TL.Add(c30, bias0), TL.Add(c31, bias1), ref Unsafe.Add(ref c, 3 * ldc), ref Row(ref r, 3 * ldc), w);
        if (activation != Activation.None) Activate<TL, T>(ref c, rows, ldc, activation);
    }

    /// <summary>One or two rows of A times one panel: 4 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PairTile<TL, T>(ref float a, int k, int lda, int rows, ref float panel, ref float bias, ref float c, ref float r, int ldc, Activation activation)
        where TL : IFloatLanes<T> where T : unmanaged
    {
        int w = TL.Count;
        T c00 = TL.Zero, c01 = TL.Zero, c10 = TL.Zero, c11 = TL.Zero;
        ref float a1 = ref rows > 1 ? ref Unsafe.Add(ref a, lda) : ref a;
        for (int i = 0; i < k; i++)
        {
            ref float bRow = ref Unsafe.Add(ref panel, i * 2 * w);
            T b0 = TL.Load(ref bRow), b1 = TL.Load(ref Unsafe.Add(ref bRow, w));
            T x = TL.Broadcast(Unsafe.Add(ref a, i));
            c00 = TL.MultiplyAdd(x, b0, c00);
            c01 = TL.MultiplyAdd(x, b1, c01);
            x = TL.Broadcast(Unsafe.Add(ref a1, i));
            c10 = TL.MultiplyAdd(x, b0, c10);
            c11 = TL.MultiplyAdd(x, b1, c11);
        }
        T bias0 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref bias);
        T bias1 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref Unsafe.Add(ref bias, w));
        Store<TL, T>(TL.Add(c00, bias0), TL.Add(c01, bias1), ref c, ref r, w);
        if (rows > 1) Store<TL, T>(TL.Add(c10, bias0), TL.Add(c11, bias1), ref Unsafe.Add(ref c, ldc), ref Row(ref r, ldc), w);
        if (activation != Activation.None) Activate<TL, T>(ref c, rows, ldc, activation);
    }

    /// <summary>
    /// 5 to 8 full rows of A times one panel: 2 accumulators a row in registers (8 rows = 16 on AVX-512's 32
    /// registers; 6 = 12 on AVX2's 16, as in the classic Haswell kernels, with 2 panel vectors and a broadcast).
    /// The K loop is unrolled by 4 (as MLAS's FMA3 kernel is): alternated run by run against ONNX Runtime's
    /// MatMul on the model's shapes, that moved ours from 0.89-0.98x to 0.93-1.03x of its speed on AVX2
    /// (docs/PERFORMANCE.md). Each unrolled step also prefetches one panel row (2 vectors: one 64-byte line on
    /// AVX2, two on AVX-512) at `ahead`. TRows is a type so that the JIT compiles each row count separately,
    /// with no test of it in the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RowTile<TL, T, TRows, TLayout>(ref float a, int k, int lda, ref float panel, ref float bias, ref float c, ref float r, int ldc, Activation activation, ref float ahead)
        where TL : IFloatLanes<T> where T : unmanaged where TRows : struct, IRowCount where TLayout : struct, IRowLayout
    {
        int w = TL.Count;
        T c00 = TL.Zero, c01 = TL.Zero, c10 = TL.Zero, c11 = TL.Zero, c20 = TL.Zero, c21 = TL.Zero, c30 = TL.Zero, c31 = TL.Zero;
        T c40 = TL.Zero, c41 = TL.Zero, c50 = TL.Zero, c51 = TL.Zero, c60 = TL.Zero, c61 = TL.Zero, c70 = TL.Zero, c71 = TL.Zero;
        // Row r at k: a[r * lda + k] row-major, a[k * TRows + r] k-major (both offsets then constants or loop-invariant).
        var rows = TLayout.KMajor ? new RowOffsets(1, 2, 3, 4, 5, 6, 7) : new RowOffsets(lda);
        int step = TLayout.KMajor ? TRows.Count : 1;
        ref float bRow = ref panel;
        ref float aColumn = ref a;
        int i = 0;
        for (; i + 4 <= k; i += 4)
        {
            PrefetchPanelRow(ref ahead, 2 * w);
            ahead = ref Unsafe.Add(ref ahead, 2 * w);
            RowStep<TL, T, TRows>(ref bRow, ref aColumn, rows, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            RowStep<TL, T, TRows>(ref Unsafe.Add(ref bRow, 2 * w), ref Unsafe.Add(ref aColumn, step), rows, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            RowStep<TL, T, TRows>(ref Unsafe.Add(ref bRow, 4 * w), ref Unsafe.Add(ref aColumn, 2 * step), rows, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            RowStep<TL, T, TRows>(ref Unsafe.Add(ref bRow, 6 * w), ref Unsafe.Add(ref aColumn, 3 * step), rows, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            bRow = ref Unsafe.Add(ref bRow, 8 * w);
            aColumn = ref Unsafe.Add(ref aColumn, 4 * step);
        }
        for (; i < k; i++)
        {
            RowStep<TL, T, TRows>(ref bRow, ref aColumn, rows, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            bRow = ref Unsafe.Add(ref bRow, 2 * w);
            aColumn = ref Unsafe.Add(ref aColumn, step);
        }
        T bias0 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref bias);
        T bias1 = Unsafe.IsNullRef(ref bias) ? TL.Zero : TL.Load(ref Unsafe.Add(ref bias, w));
        Store<TL, T>(TL.Add(c00, bias0), TL.Add(c01, bias1), ref c, ref r, w);
        Store<TL, T>(TL.Add(c10, bias0), TL.Add(c11, bias1), ref Unsafe.Add(ref c, ldc), ref Row(ref r, ldc), w);
        Store<TL, T>(TL.Add(c20, bias0), TL.Add(c21, bias1), ref Unsafe.Add(ref c, 2 * ldc), ref Row(ref r, 2 * ldc), w);
        Store<TL, T>(TL.Add(c30, bias0), TL.Add(c31, bias1), ref Unsafe.Add(ref c, 3 * ldc), ref Row(ref r, 3 * ldc), w);
        Store<TL, T>(TL.Add(c40, bias0), TL.Add(c41, bias1), ref Unsafe.Add(ref c, 4 * ldc), ref Row(ref r, 4 * ldc), w);
        if (TRows.Count > 5) Store<TL, T>(TL.Add(c50, bias0), TL.Add(c51, bias1), ref Unsafe.Add(ref c, 5 * ldc), ref Row(ref r, 5 * ldc), w);
        if (TRows.Count > 6) Store<TL, T>(TL.Add(c60, bias0), TL.Add(c61, bias1), ref Unsafe.Add(ref c, 6 * ldc), ref Row(ref r, 6 * ldc), w);
        if (TRows.Count > 7) Store<TL, T>(TL.Add(c70, bias0), TL.Add(c71, bias1), ref Unsafe.Add(ref c, 7 * ldc), ref Row(ref r, 7 * ldc), w);
        if (activation != Activation.None) Activate<TL, T>(ref c, TRows.Count, ldc, activation);
    }

    /// <summary>The rows of a row tile, as a type the JIT specializes on.</summary>
    interface IRowCount
    {
        static abstract int Count { get; }
    }

    /// <summary>How a <see cref="RowTile{TL, T, TRows, TLayout}"/> finds its rows of A, as a type the JIT specializes on.</summary>
    interface IRowLayout
    {
        static abstract bool KMajor { get; }
    }

    /// <summary>A's own rows, K floats apart.</summary>
    readonly struct RowMajorRows : IRowLayout
    {
        public static bool KMajor => false;
    }

    /// <summary>The tile's rows packed by <see cref="RowTileBlocks"/>: the TRows values of one k side by side.</summary>
    readonly struct KMajorRows : IRowLayout
    {
        public static bool KMajor => true;
    }

    readonly struct Eight : IRowCount
    {
        public static int Count => 8;
    }

    readonly struct Seven : IRowCount
    {
        public static int Count => 7;
    }

    readonly struct Six : IRowCount
    {
        public static int Count => 6;
    }

    readonly struct Five : IRowCount
    {
        public static int Count => 5;
    }

    /// <summary>Where rows 1-7 of a row tile of A start, relative to row 0 (computed once per tile).</summary>
    readonly record struct RowOffsets(nint R1, nint R2, nint R3, nint R4, nint R5, nint R6, nint R7)
    {
        public RowOffsets(int lda) : this(lda, 2 * (nint)lda, 3 * (nint)lda, 4 * (nint)lda, 5 * (nint)lda, 6 * (nint)lda, 7 * (nint)lda) { }
    }

    /// <summary>One k of a row tile: the panel's two vectors at bRow times A[r, k] for its 5 to 8 rows into the accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowStep<TL, T, TRows>(ref float bRow, ref float aColumn, RowOffsets rows, int w,
        ref T c00, ref T c01, ref T c10, ref T c11, ref T c20, ref T c21, ref T c30, ref T c31,
        ref T c40, ref T c41, ref T c50, ref T c51, ref T c60, ref T c61, ref T c70, ref T c71)
        where TL : IFloatLanes<T> where T : unmanaged where TRows : struct, IRowCount
    {
        T b0 = TL.Load(ref bRow), b1 = TL.Load(ref Unsafe.Add(ref bRow, w));
        RowFma<TL, T>(aColumn, b0, b1, ref c00, ref c01);
        RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R1), b0, b1, ref c10, ref c11);
        RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R2), b0, b1, ref c20, ref c21);
        RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R3), b0, b1, ref c30, ref c31);
        RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R4), b0, b1, ref c40, ref c41);
        if (TRows.Count > 5) RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R5), b0, b1, ref c50, ref c51);
        if (TRows.Count > 6) RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R6), b0, b1, ref c60, ref c61);
        if (TRows.Count > 7) RowFma<TL, T>(Unsafe.Add(ref aColumn, rows.R7), b0, b1, ref c70, ref c71);
    }

    /// <summary>One row of a k step: A[r, k] broadcast, times the panel's two vectors, into the row's two accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowFma<TL, T>(float a, T b0, T b1, ref T c0, ref T c1) where TL : IFloatLanes<T> where T : unmanaged
    {
        T x = TL.Broadcast(a);
        c0 = TL.MultiplyAdd(x, b0, c0);
        c1 = TL.MultiplyAdd(x, b1, c1);
    }

    /// <summary>Asks for the 64-byte lines of one panel row of `floats` floats (one line on AVX2, two on AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PrefetchPanelRow(ref float row, int floats)
    {
        Prefetch(ref row);
        if (floats > LineFloats) Prefetch(ref Unsafe.Add(ref row, LineFloats));
    }

    /// <summary>Asks for the cache line holding `line`. A hint that never faults: should the GC move a pooled panel, it only misses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Prefetch(ref float line)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref line));
    }

    /// <summary>Row i of the residual tile, or the null reference when there is none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref float Row(ref float r, int offset) => ref Unsafe.IsNullRef(ref r) ? ref r : ref Unsafe.Add(ref r, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<TL, T>(T first, T second, ref float c, ref float r, int w) where TL : IFloatLanes<T> where T : unmanaged
    {
        if (!Unsafe.IsNullRef(ref r))
        {
            first = TL.Add(first, TL.Load(ref r));
            second = TL.Add(second, TL.Load(ref Unsafe.Add(ref r, w)));
        }
        TL.Store(first, ref c);
        TL.Store(second, ref Unsafe.Add(ref c, w));
    }

    /// <summary>
    /// The activation over a tile just stored (rows x 2 vectors, in L1), one vector at a time. Applied to the
    /// accumulators before their store, as it was, the exp and erfc polynomials ran with 10 other accumulators
    /// still holding registers: on AVX2 they spilled, and GELU cost 3 ns a value (now 1). Same bits either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void Activate<TL, T>(ref float c, int rows, int ldc, Activation activation) where TL : IFloatLanes<T> where T : unmanaged
    {
        int w = TL.Count;
        for (int row = 0; row < rows; row++)
        {
            ref float first = ref Unsafe.Add(ref c, (nint)row * ldc);
            TL.Store(TL.Activate(activation, TL.Load(ref first)), ref first);
            TL.Store(TL.Activate(activation, TL.Load(ref Unsafe.Add(ref first, w))), ref Unsafe.Add(ref first, w));
        }
    }
}
