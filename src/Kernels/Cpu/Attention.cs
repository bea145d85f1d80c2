using System.Numerics.Tensors;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Multi-head scaled dot-product attention for one sequence, float32. Rows of q, k, v hold all heads
/// side by side (head h at columns h*d .. h*d+d-1, d = width / heads). For each head and query row i the
/// scores of the allowed keys are computed into one row buffer (never the whole score matrix), softmaxed
/// with the maximum subtracted, and used to weight the value rows.
///
/// Allowed keys: all of them, or with <c>causal</c> the keys j &lt;= i + (keys - queries), so that a query
/// block appended after cached keys sees everything before it. Masked positions are simply not visited:
/// the original gives them scores of float.MinValue or -1e10, whose exp is exactly 0, so skipping them
/// changes no result.
/// </summary>
public static class Attention
{
    const long ParallelThreshold = 1 << 18;

    public static void Run(ReadOnlySpan<float> q, int queries, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int keys,
        int width, int heads, bool causal, float scale, Span<float> output)
    {
        if (width % heads != 0) throw new ArgumentException($"{heads} heads do not divide width {width}");
        if (q.Length < queries * width || k.Length < keys * width || v.Length < keys * width || output.Length < queries * width)
            throw new ArgumentException("q, k, v or output is shorter than its shape");
        if (queries == 0) return;
        int d = width / heads, offset = keys - queries;
        long work = (long)queries * keys * width;
        unsafe
        {
            fixed (float* pq = q, pk = k, pv = v, po = output)
            {
                var (qp, kp, vp, op) = ((nint)pq, (nint)pk, (nint)pv, (nint)po);
                void Rows(int head, int first, int last)
                {
                    var scores = new float[keys];
                    for (int i = first; i < last; i++)
                    {
                        int allowed = causal ? Math.Min(keys, i + offset + 1) : keys;
                        var qi = new ReadOnlySpan<float>((float*)qp + (long)i * width + head * d, d);
                        var oi = new Span<float>((float*)op + (long)i * width + head * d, d);
                        Row(qi, (float*)kp + head * d, (float*)vp + head * d, width, d, allowed, scale, scores, oi);
                    }
                }
                if (work < ParallelThreshold || Environment.ProcessorCount == 1)
                {
                    for (int h = 0; h < heads; h++) Rows(h, 0, queries);
                    return;
                }
                // Static split of (head, row block) work items over the cores.
                int blocks = Math.Max(1, Math.Min(queries, 4 * Environment.ProcessorCount / heads + 1));
                Parallel.For(0, heads * blocks, item =>
                {
                    int h = item / blocks, b = item % blocks;
                    Rows(h, queries * b / blocks, queries * (b + 1) / blocks);
                });
            }
        }
    }

    static unsafe void Row(ReadOnlySpan<float> qi, float* k, float* v, int stride, int d, int allowed, float scale, float[] scores, Span<float> output)
    {
        var s = scores.AsSpan(0, allowed);
        for (int j = 0; j < allowed; j++) s[j] = TensorPrimitives.Dot(qi, new ReadOnlySpan<float>(k + (long)j * stride, d)) * scale;
        float max = TensorPrimitives.Max(s);
        TensorPrimitives.Subtract(s, max, s);
        TensorPrimitives.Exp(s, s);
        float sum = TensorPrimitives.Sum(s);
        output.Clear();
        for (int j = 0; j < allowed; j++)
            TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(v + (long)j * stride, d), s[j], output, output);
        TensorPrimitives.Divide(output, sum, output);
    }
}
