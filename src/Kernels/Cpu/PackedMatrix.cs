using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// A weight matrix W (K x N, row-major, the canonical (in, out) layout) repacked once, at model load,
/// into column panels of NR = 2 vectors: panel p holds columns [p*NR, p*NR + NR) as K rows of NR
/// contiguous floats (zero-padded past N), so the GEMM micro-kernel streams it with unit stride.
/// The panels start on a 64-byte boundary, so no vector load of a panel row straddles two cache lines
/// (a managed array's data is only 8- or 16-byte aligned).
/// </summary>
public sealed class PackedMatrix
{
    public int K { get; }
    public int N { get; }
    public InstructionSet Isa { get; }
    public int PanelWidth { get; }
    public int PanelCount => (N + PanelWidth - 1) / PanelWidth;
    /// <summary>Floats from one panel's start to the next's: K x NR, or the full matrix's for a <see cref="Leading"/> view.</summary>
    internal int PanelStride { get; }
    /// <summary>The buffer; the panels start at <see cref="Offset"/>.</summary>
    internal float[] Data { get; }
    internal int Offset { get; }
    readonly bool _pooled;
    const int Alignment = 64;

    /// <summary>Panel p's first float.</summary>
    internal ref float Panels => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Data), Offset);

    public PackedMatrix(ReadOnlySpan<float> weights, int k, int n, InstructionSet? isa = null)
        : this(weights, k, n, n, 1, isa)
    {
        if (weights.Length != (long)k * n) throw new ArgumentException($"{weights.Length} weights for a {k} x {n} matrix");
    }

    /// <summary>
    /// Packs the K x N matrix whose element (row, column) is at source[row * rowStride + column * columnStride]:
    /// a row-major matrix (rowStride N, columnStride 1), or the transpose of a row-major N x K one
    /// (rowStride 1, columnStride K), e.g. keys for q . k scores.
    /// </summary>
    public PackedMatrix(ReadOnlySpan<float> source, int k, int n, int rowStride, int columnStride, InstructionSet? isa = null)
        : this(source, k, n, rowStride, columnStride, isa, pooled: false)
    {
    }

    /// <summary>
    /// The same, packed into a buffer from the shared array pool: for short-lived operands packed on every
    /// call (attention keys and values), where a fresh array would be a large-object allocation each time.
    /// Give the buffer back with <see cref="Release"/> when done.
    /// </summary>
    public static PackedMatrix Pooled(ReadOnlySpan<float> source, int k, int n, int rowStride, int columnStride) =>
        new(source, k, n, rowStride, columnStride, null, pooled: true);

    public void Release()
    {
        if (_pooled) ArrayPool<float>.Shared.Return(Data);
    }

    PackedMatrix(ReadOnlySpan<float> source, int k, int n, int rowStride, int columnStride, InstructionSet? isa, bool pooled)
        : this(k, n, isa, pooled)
    {
        Pack(source, 0, n, rowStride, columnStride);
    }

    /// <summary>An empty K x N matrix, to be filled block by block with <see cref="PackColumns"/>.</summary>
    public PackedMatrix(int k, int n, InstructionSet? isa = null) : this(k, n, isa, pooled: false)
    {
    }

    PackedMatrix(int k, int n, InstructionSet? isa, bool pooled)
    {
        K = k;
        N = n;
        Isa = isa ?? Cpu.Isa.Active;
        PanelWidth = 2 * Isa switch { InstructionSet.Vector512 => 16, InstructionSet.Vector256 => 8, InstructionSet.Vector128 => 4, _ => 1 };
        PanelStride = k * PanelWidth;
        long size = (long)PanelCount * k * PanelWidth + Alignment / sizeof(float);
        _pooled = pooled;
        // Weights live on the pinned heap, so their alignment holds for the model's life. A pooled buffer
        // may be moved by a compacting GC between packing and use: that costs alignment, never correctness,
        // because the offset is fixed here.
        Data = pooled ? ArrayPool<float>.Shared.Rent((int)size) : GC.AllocateArray<float>((int)size, pinned: true);
        Offset = OffsetToAlignment(Data);
    }

    PackedMatrix(PackedMatrix whole, int k, int n)
    {
        (K, N, Isa, PanelWidth, PanelStride, Data, Offset) = (k, n, whole.Isa, whole.PanelWidth, whole.PanelStride, whole.Data, whole.Offset);
    }

    /// <summary>
    /// The top-left k x n block, sharing this matrix's panels (no copy): the keys and values a causal query
    /// block may see. Its last panel may hold columns past n; the GEMM computes them aside and drops them.
    /// Valid while this matrix is; never released itself.
    /// </summary>
    internal PackedMatrix Leading(int k, int n)
    {
        if (k < 1 || k > K || n < 1 || n > N) throw new ArgumentOutOfRangeException(nameof(k), $"a {k} x {n} block of a {K} x {N} matrix");
        return k == K && n == N ? this : new PackedMatrix(this, k, n);
    }

    static unsafe int OffsetToAlignment(float[] data)
    {
        fixed (float* first = data)
            return (int)((Alignment - (nint)first % Alignment) % Alignment) / sizeof(float);
    }

    /// <summary>
    /// Packs a row-major K x width block into columns [firstColumn, firstColumn + width): several weight
    /// matrices side by side (q | k | v) are packed straight from their own copies, with no concatenated one.
    /// The block must start on a panel boundary and end on one or at N.
    /// </summary>
    public void PackColumns(ReadOnlySpan<float> block, int firstColumn, int width)
    {
        int end = firstColumn + width;
        if (firstColumn < 0 || width <= 0 || end > N) throw new ArgumentException($"columns [{firstColumn}, {end}) outside 0..{N}");
        if (firstColumn % PanelWidth != 0 || (end % PanelWidth != 0 && end != N))
            throw new ArgumentException($"columns [{firstColumn}, {end}) do not start and end on {PanelWidth}-column panels");
        if (block.Length != (long)K * width) throw new ArgumentException($"{block.Length} weights for a {K} x {width} block");
        Pack(block, firstColumn, end, width, 1);
    }

    /// <summary>Packs whole panels [firstPanel, endPanel) from a row-major source of all N columns, `rowStride` apart.</summary>
    internal void PackPanels(ReadOnlySpan<float> source, int firstPanel, int endPanel, int rowStride)
    {
        int first = firstPanel * PanelWidth, end = Math.Min(N, endPanel * PanelWidth);
        if (end > first) Pack(source[first..], first, end, rowStride, 1);
    }

    /// <summary>Packs the panels of columns [first, end), whose column first is the source's column 0.</summary>
    void Pack(ReadOnlySpan<float> source, int first, int end, int rowStride, int columnStride)
    {
        int firstPanel = first / PanelWidth, panels = (end - first + PanelWidth - 1) / PanelWidth;
        // Big matrices are packed on all cores (model load packs ~0.9 GB of weights).
        int parts = (long)K * (end - first) >= 1 << 20 ? Math.Min(WorkerPool.Width, panels) : 1;
        unsafe
        {
            fixed (float* pointer = source)
            {
                nint address = (nint)pointer;
                int length = source.Length;
                WorkerPool.For(parts, part =>
                {
                    var from = new ReadOnlySpan<float>((float*)address, length);
                    for (int p = panels * part / parts; p < panels * (part + 1) / parts; p++)
                        PackPanel(from, firstPanel + p, first, end, rowStride, columnStride);
                });
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe void PackPanel(ReadOnlySpan<float> source, int p, int sourceColumn0, int end, int rowStride, int columnStride)
    {
        int first = p * PanelWidth, width = Math.Min(PanelWidth, end - first);
        var panel = Data.AsSpan(Offset + p * PanelStride, K * PanelWidth);
        if (width < PanelWidth) panel.Clear(); // zero padding past N (pooled buffers are not zeroed)
        first -= sourceColumn0;
        long last = (long)(K - 1) * rowStride + (long)(first + width - 1) * columnStride;
        if (last >= source.Length) throw new ArgumentException("source is shorter than its shape");
        if (columnStride == 1)
            for (int row = 0; row < K; row++)
                source.Slice(row * rowStride + first, width).CopyTo(panel.Slice(row * PanelWidth, width));
        else
            // A transposed source (attention's K^T, per head per layer). Where its rows are contiguous, 8 x 8 blocks
            // are turned in AVX registers (one float at a time took 0.25-0.5 ms a layer at 248 keys); the rest is
            // walked along the source's own rows (contiguous reads), the scattered writes staying inside this panel.
            fixed (float* from = source, to = panel)
            {
                bool blocks = rowStride == 1 && Avx.IsSupported && PanelWidth % 8 == 0;
                int blockColumns = blocks ? width & ~7 : 0, blockRows = blocks ? K & ~7 : 0;
                for (int column = 0; column < blockColumns; column += 8)
                    for (int row = 0; row < blockRows; row += 8)
                        Transpose8x8.Rows(from + (long)(first + column) * columnStride + row, columnStride, 8, to + (long)row * PanelWidth + column, PanelWidth);
                for (int column = 0; column < width; column++)
                {
                    float* read = from + (long)(first + column) * columnStride, write = to + column;
                    for (int row = column < blockColumns ? blockRows : 0; row < K; row++)
                        write[(long)row * PanelWidth] = read[(long)row * rowStride];
                }
            }
    }
}
