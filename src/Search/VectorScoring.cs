using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Search;

/// <summary>
/// The dot products of a query with stored rows: the whole cost of a search, bound by memory bandwidth (a
/// million 768-d float32 rows are 3 GB). Four float32 rows share each load of the query; int8 rows are widened
/// to int16 and multiplied with an int16 query in pairs (vpmaddwd), so a compact row costs a quarter of the bytes.
/// </summary>
static unsafe class VectorScoring
{
    /// <summary>scores[r] = rows[r] . query for float32 rows.</summary>
    public static void Float32(float* rows, int count, int dimension, float* query, float* scores)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && dimension % 16 == 0)
            for (; r + 4 <= count; r += 4) Four512(rows + (long)r * dimension, dimension, query, scores + r);
        else if (Vector256.IsHardwareAccelerated && dimension % 8 == 0)
            for (; r + 4 <= count; r += 4) Four256(rows + (long)r * dimension, dimension, query, scores + r);
        for (; r < count; r++)
            scores[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(rows + (long)r * dimension, dimension), new ReadOnlySpan<float>(query, dimension));
    }

    static void Four512(float* a, int dimension, float* q, float* scores)
    {
        float* b = a + dimension, c = b + dimension, d = c + dimension;
        Vector512<float> sa = default, sb = default, sc = default, sd = default;
        for (int j = 0; j < dimension; j += 16)
        {
            var x = Vector512.Load(q + j);
            sa = Vector512.FusedMultiplyAdd(Vector512.Load(a + j), x, sa);
            sb = Vector512.FusedMultiplyAdd(Vector512.Load(b + j), x, sb);
            sc = Vector512.FusedMultiplyAdd(Vector512.Load(c + j), x, sc);
            sd = Vector512.FusedMultiplyAdd(Vector512.Load(d + j), x, sd);
        }
        scores[0] = Vector512.Sum(sa);
        scores[1] = Vector512.Sum(sb);
        scores[2] = Vector512.Sum(sc);
        scores[3] = Vector512.Sum(sd);
    }

    static void Four256(float* a, int dimension, float* q, float* scores)
    {
        float* b = a + dimension, c = b + dimension, d = c + dimension;
        Vector256<float> sa = default, sb = default, sc = default, sd = default;
        for (int j = 0; j < dimension; j += 8)
        {
            var x = Vector256.Load(q + j);
            sa = Vector256.FusedMultiplyAdd(Vector256.Load(a + j), x, sa);
            sb = Vector256.FusedMultiplyAdd(Vector256.Load(b + j), x, sb);
            sc = Vector256.FusedMultiplyAdd(Vector256.Load(c + j), x, sc);
            sd = Vector256.FusedMultiplyAdd(Vector256.Load(d + j), x, sd);
        }
        scores[0] = Vector256.Sum(sa);
        scores[1] = Vector256.Sum(sb);
        scores[2] = Vector256.Sum(sc);
        scores[3] = Vector256.Sum(sd);
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

    /// <summary>scores[r] = (rows[r] . query) * scales[r] * queryScale for int8 rows and the int16 query of <see cref="QueryInt16"/>.</summary>
    public static void Int8(sbyte* rows, float* scales, int count, int dimension, short* query, float queryScale, float* scores)
    {
        int r = 0;
        if (Avx512BW.IsSupported && dimension % 32 == 0)
            for (; r + 2 <= count; r += 2)
            {
                sbyte* a = rows + (long)r * dimension, b = a + dimension;
                Vector512<int> sa = default, sb = default;
                for (int j = 0; j < dimension; j += 32)
                {
                    var x = Vector512.Load(query + j);
                    sa += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(a + j)), x);
                    sb += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(b + j)), x);
                }
                scores[r] = Vector512.Sum(sa) * scales[r] * queryScale;
                scores[r + 1] = Vector512.Sum(sb) * scales[r + 1] * queryScale;
            }
        else if (Avx2.IsSupported && dimension % 16 == 0)
            for (; r + 2 <= count; r += 2)
            {
                sbyte* a = rows + (long)r * dimension, b = a + dimension;
                Vector256<int> sa = default, sb = default;
                for (int j = 0; j < dimension; j += 16)
                {
                    var x = Vector256.Load(query + j);
                    sa += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(a + j)), x);
                    sb += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(b + j)), x);
                }
                scores[r] = Vector256.Sum(sa) * scales[r] * queryScale;
                scores[r + 1] = Vector256.Sum(sb) * scales[r + 1] * queryScale;
            }
        for (; r < count; r++)
        {
            sbyte* a = rows + (long)r * dimension;
            int sum = 0;
            for (int j = 0; j < dimension; j++) sum += a[j] * query[j];
            scores[r] = sum * scales[r] * queryScale;
        }
    }
}
