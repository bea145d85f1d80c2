namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Element-wise passes (activations, residual adds, LayerNorm rows) split across the <see cref="StaticParallel"/>
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
        int parts = x.Length >= MinimumParallel ? StaticParallel.Width : 1;
        if (parts <= 1)
        {
            body(x);
            return;
        }
        fixed (float* pointer = x)
        {
            nint address = (nint)pointer;
            int length = x.Length;
            StaticParallel.For(parts, part =>
            {
                int start = (int)((long)length * part / parts) & ~63, end = part == parts - 1 ? length : (int)((long)length * (part + 1) / parts) & ~63;
                body(new Span<float>((float*)address + start, end - start));
            });
        }
    }

    /// <summary>body(firstRow, count) over contiguous row ranges, one per thread, when rows x width is large.</summary>
    public static void Rows(int rows, int width, RowsBody body)
    {
        int parts = (long)rows * width >= MinimumParallel ? Math.Min(rows, StaticParallel.Width) : 1;
        if (parts <= 1)
        {
            body(0, rows);
            return;
        }
        StaticParallel.For(parts, part =>
        {
            int first = (int)((long)rows * part / parts), last = (int)((long)rows * (part + 1) / parts);
            body(first, last - first);
        });
    }

    /// <summary>destination = a + b, element-wise (the residual adds).</summary>
    public static unsafe void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        if (a.Length != b.Length || destination.Length < a.Length) throw new ArgumentException("spans of different lengths");
        fixed (float* pa = a, pb = b)
        {
            var (addressA, addressB) = ((nint)pa, (nint)pb);
            var start = destination[..a.Length];
            fixed (float* pd = start)
            {
                nint addressD = (nint)pd;
                Run(start, part =>
                {
                    fixed (float* partPointer = part)
                    {
                        long offset = (partPointer - (float*)addressD);
                        System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<float>((float*)addressA + offset, part.Length), new ReadOnlySpan<float>((float*)addressB + offset, part.Length), part);
                    }
                });
            }
        }
    }
}
