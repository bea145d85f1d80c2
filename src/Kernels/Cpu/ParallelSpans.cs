namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Element-wise passes (activations, LayerNorm rows) split across the <see cref="WorkerPool"/>
/// workers when large: at 2 threads these single-threaded passes were what kept a 100-token text pass from
/// scaling (GEMMs already run on both cores).
/// </summary>
public static class ParallelSpans
{
    /// <summary>Below this many elements a pass runs on the calling thread.</summary>
    public const int MinimumParallel = 1 << 15;

    public delegate void Body(Span<float> part);

    public delegate void RowsBody(int firstRow, int rowCount);

    /// <summary>body(x[a..b]) over contiguous parts, one per thread (parts aligned to 64 elements).</summary>
    public static unsafe void Run(Span<float> x, Body body)
    {
        int parts = x.Length >= MinimumParallel ? WorkerPool.Width : 1;
        if (parts <= 1)
        {
            body(x);
            return;
        }
        fixed (float* pointer = x)
        {
            nint address = (nint)pointer;
            int length = x.Length;
            WorkerPool.For(parts, part =>
            {
                int start = (int)((long)length * part / parts) & ~63, end = part == parts - 1 ? length : (int)((long)length * (part + 1) / parts) & ~63;
                body(new Span<float>((float*)address + start, end - start));
            });
        }
    }

    /// <summary>body(firstRow, count) over contiguous row ranges, one per thread, when rows x width is large.</summary>
    public static void Rows(int rows, int width, RowsBody body)
    {
        int parts = (long)rows * width >= MinimumParallel ? Math.Min(rows, WorkerPool.Width) : 1;
        if (parts <= 1)
        {
            body(0, rows);
            return;
        }
        WorkerPool.For(parts, part =>
        {
            int first = (int)((long)rows * part / parts), last = (int)((long)rows * (part + 1) / parts);
            body(first, last - first);
        });
    }
}
