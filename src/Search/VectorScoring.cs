using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Search;

/// <summary>
/// The dot products of a query with stored rows: the whole cost of a search, bound by memory bandwidth (a
/// million 768-d float32 rows are 3 GB). Float32 rows are multiplied with four accumulators; int8 rows are widened
/// to int16 and multiplied with an int16 query in pairs (vpmaddwd), so a compact row costs a quarter of the bytes.
/// Rows are read one at a time, front to back.
/// </summary>
static unsafe class VectorScoring
{

    /// <summary>scores[r] = rows[r] . query for float32 rows.</summary>
    public static void Float32(float* rows, int count, int dimension, float* query, float* scores)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && dimension % 64 == 0)
            for (; r < count; r++) Row512(rows + (long)r * dimension, dimension, query, scores + r);
        else if (Vector256.IsHardwareAccelerated && dimension % 32 == 0)
            for (; r < count; r++) Row256(rows + (long)r * dimension, dimension, query, scores + r);
        for (; r < count; r++)
            scores[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(rows + (long)r * dimension, dimension), new ReadOnlySpan<float>(query, dimension));
    }

    // One row at a time, read front to back: the hardware prefetcher follows one stream at full speed, where rows
    // read side by side (four streams sharing each load of the query) reached 60% of the memory's bandwidth.
    static void Row512(float* a, int dimension, float* q, float* score)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int j = 0; j < dimension; j += 64)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + j), Vector512.Load(q + j), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + j + 16), Vector512.Load(q + j + 16), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a + j + 32), Vector512.Load(q + j + 32), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a + j + 48), Vector512.Load(q + j + 48), s3);
        }
        *score = Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    static void Row256(float* a, int dimension, float* q, float* score)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int j = 0; j < dimension; j += 32)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + j), Vector256.Load(q + j), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + j + 8), Vector256.Load(q + j + 8), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a + j + 16), Vector256.Load(q + j + 16), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a + j + 24), Vector256.Load(q + j + 24), s3);
        }
        *score = Vector256.Sum((s0 + s1) + (s2 + s3));
    }

    /// <summary>
    /// The query as int16 for int8 rows: scaled so that no sum of 127 x |q| over the dimension can overflow int32
    /// (at most 16383, or less for dimensions above 1032). Its rounding error is 1e-4 of the int8 rows'.
    /// </summary>
    public static short[] QueryInt16(ReadOnlySpan<float> query, out float scale)
    {
        int limit = (int)Math.Min(16383, int.MaxValue / (127L * Math.Max(1, query.Length)));
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(query)); // MaxMagnitude keeps the sign
        var q = new short[IndexLayout.Align(query.Length)];
        scale = max > 0 ? max / limit : 0;
        if (!(max > 0)) return q;
        float inverse = limit / max;
        for (int i = 0; i < query.Length; i++) q[i] = (short)Math.Clamp(MathF.Round(query[i] * inverse), -limit, limit);
        return q;
    }

    /// <summary>
    /// scores[r] = (rows[r] . query) * scales[r] * queryScale for int8 rows and the int16 query of <see cref="QueryInt16"/>.
    /// A vector of int8 values read as int16 words holds the even elements in its low bytes and the odd ones in its
    /// high bytes: shifts sign-extend each half in place (cheap in-lane operations, where a widening conversion
    /// crosses lanes and halves the throughput), and each half is multiplied by the query's even or odd elements,
    /// laid out once per block to match.
    /// </summary>
    public static void Int8(sbyte* rows, float* scales, int count, int dimension, short* query, float queryScale, float* scores)
    {
        int r = 0;
        if (Avx512BW.IsSupported && dimension % 64 == 0)
        {
            short* split = stackalloc short[dimension];
            Deinterleave(query, dimension, 64, split);
            for (; r < count; r++)
            {
                sbyte* a = rows + (long)r * dimension;
                Vector512<int> s0 = default, s1 = default;
                for (int j = 0; j < dimension; j += 64)
                {
                    var w = Vector512.Load((short*)(a + j));
                    s0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ShiftRightArithmetic(Avx512BW.ShiftLeftLogical(w, 8), 8), Vector512.Load(split + j));
                    s1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ShiftRightArithmetic(w, 8), Vector512.Load(split + j + 32));
                }
                scores[r] = Vector512.Sum(s0 + s1) * scales[r] * queryScale;
            }
        }
        else if (Avx2.IsSupported && dimension % 32 == 0)
        {
            short* split = stackalloc short[dimension];
            Deinterleave(query, dimension, 32, split);
            for (; r < count; r++)
            {
                sbyte* a = rows + (long)r * dimension;
                Vector256<int> s0 = default, s1 = default;
                for (int j = 0; j < dimension; j += 32)
                {
                    var w = Vector256.Load((short*)(a + j));
                    s0 += Avx2.MultiplyAddAdjacent(Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(w, 8), 8), Vector256.Load(split + j));
                    s1 += Avx2.MultiplyAddAdjacent(Avx2.ShiftRightArithmetic(w, 8), Vector256.Load(split + j + 16));
                }
                scores[r] = Vector256.Sum(s0 + s1) * scales[r] * queryScale;
            }
        }
        for (; r < count; r++)
        {
            sbyte* a = rows + (long)r * dimension;
            int sum = 0;
            for (int j = 0; j < dimension; j++) sum += a[j] * query[j];
            scores[r] = sum * scales[r] * queryScale;
        }
    }

    /// <summary>Per chunk of <paramref name="chunk"/> elements: its even elements, then its odd ones.</summary>
    static void Deinterleave(short* query, int dimension, int chunk, short* split)
    {
        for (int c = 0; c < dimension; c += chunk)
            for (int k = 0; k < chunk / 2; k++)
            {
                split[c + k] = query[c + 2 * k];
                split[c + chunk / 2 + k] = query[c + 2 * k + 1];
            }
    }
}
