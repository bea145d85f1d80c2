using Cacophony.Kernels;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// Every CPU kernel against its float64 naive reference on odd shapes, with outputs poisoned with NaN and
/// NaN sentinels past their end (an unwritten element or an out-of-bounds write shows). The GEMM runs every
/// path (Vector512, Vector256, scalar), in software where the machine lacks the instructions; the other
/// kernels are re-run on the narrower paths by <see cref="KernelInstructionSetTests"/>.
/// </summary>
public class KernelFixtureTests
{
    const int Sentinels = 37;

    static float[] Poisoned(int count) => Enumerable.Repeat(float.NaN, count + Sentinels).ToArray();

    /// <summary>Max error relative to max(1, |reference|), with every output written and every sentinel intact.</summary>
    static double Check(string what, float[] actual, double[] expected)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(float.IsFinite(actual[i]), $"{what}: element {i} not written (or not finite)");
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
        }
        for (int i = expected.Length; i < actual.Length; i++) Assert.That(float.IsNaN(actual[i]), $"{what}: wrote past the end at {i}");
        TestContext.Out.WriteLine($"{what,-60} max error {worst:E2}");
        return worst;
    }

    /// <summary>
    /// Every GEMM path, Vector512 included where the machine lacks AVX-512: .NET then runs Vector512 in software,
    /// lane by lane with the same fused multiply-adds (slow, same values), so the AVX-512 tiles are checked on
    /// every machine, not only on the ones that run them.
    /// </summary>
    static IEnumerable<InstructionSet> GemmPaths() => Enum.GetValues<InstructionSet>();

    [Test]
    public void ReportsTheInstructionSet() =>
        TestContext.Out.WriteLine($"instruction set: {Isa.Describe(Isa.Detected)}; Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");

    [TestCase(1, 7, 33)]
    [TestCase(7, 33, 1)]
    [TestCase(33, 257, 7)]
    [TestCase(5, 768, 257)]
    [TestCase(257, 500, 33)]
    [TestCase(500, 768, 96)]
    [TestCase(50, 96, 64)]
    [TestCase(3, 1500, 768)]
    [TestCase(4, 96, 64)] // a lone 4-row tile
    [TestCase(100, 96, 48)] // AVX2: 15 6-row tiles, then 2 5-row ones (a caption's 100 tokens); AVX-512: 9 8-row, 4 7-row
    [TestCase(12, 130, 40)] // AVX-512: an 8-row tile, then a 4-row one; K not a multiple of the unrolled 4
    public void GemmWithBias(int m, int k, int n)
    {
        var a = RandomValues.Uniform(m * k, 1);
        var b = RandomValues.Uniform(k * n, 2);
        var bias = RandomValues.Uniform(n, 3);
        var expected = NaiveReference.MatMul(a, m, k, b, n, bias);
        var expectedNoBias = NaiveReference.MatMul(a, m, k, b, n, []);
        foreach (var isa in GemmPaths())
        {
            var packed = new PackedMatrix(b, k, n, isa);
            var c = Poisoned(m * n);
            Gemm.Multiply(a, m, packed, bias, c);
            // float32 accumulation over k terms of size ~1: error grows like sqrt(k) * 2^-24.
            Assert.That(Check($"gemm {m}x{k}x{n} {isa}", c, expected), Is.LessThan(2e-5 * Math.Sqrt(k)));
            var noBias = Poisoned(m * n);
            Gemm.Multiply(a, m, packed, [], noBias);
            Assert.That(Check($"gemm {m}x{k}x{n} {isa} (no bias)", noBias, expectedNoBias), Is.LessThan(2e-5 * Math.Sqrt(k)));
        }
    }

    /// <summary>
    /// Each output, bit for bit, is the chain the contract promises: 0, then A[i, k] B[k, j] fused-added for k = 0,
    /// 1, ..., K - 1 in float32, then + bias[j]. Whatever the tile, the layout its rows of A were read in (packed
    /// k-major by RowTileBlocks, or A's own rows; at two threads a product mixes both) or the thread, this must
    /// hold on every path: it is what makes batching, threads and packing invisible in the embeddings.
    /// </summary>
    [TestCase(67, 300, 260)] // packed row tiles on every path (>= 8 panels, K >= 256), a narrow last panel
    [TestCase(13, 257, 300)] // K past the 8-wide transposes by one
    [TestCase(100, 768, 256)] // a caption's 100 rows: 6- and 5-row (AVX2) or 8- and 7-row (AVX-512) tiles
    [TestCase(8, 96, 130)] // unpacked (K < 256): row tiles, a 2-row remainder, a narrow panel
    public void GemmIsTheFusedChainOfEachOutput(int m, int k, int n)
    {
        var a = RandomValues.Uniform(m * k, 1);
        var b = RandomValues.Uniform(k * n, 2);
        var bias = RandomValues.Uniform(n, 3);
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int x = 0; x < k; x++) sum = MathF.FusedMultiplyAdd(a[i * k + x], b[x * n + j], sum);
                expected[i * n + j] = sum + bias[j];
            }
        foreach (var isa in GemmPaths())
            foreach (int threads in new[] { 1, 2 })
            {
                var c = Poisoned(m * n);
                Gemm.Multiply(a, m, new PackedMatrix(b, k, n, isa), bias, c, threads);
                int mismatches = Enumerable.Range(0, m * n).Count(i => BitConverter.SingleToInt32Bits(c[i]) != BitConverter.SingleToInt32Bits(expected[i]));
                TestContext.Out.WriteLine($"gemm {m}x{k}x{n} {isa}, {threads} thread(s): {mismatches} of {m * n} outputs differ from the fused chain");
                Assert.That(mismatches, Is.Zero);
                Assert.That(c.Skip(m * n).All(float.IsNaN), "wrote past the end");
            }
    }

    [TestCase(1, 7, 33, Activation.SiLU)]
    [TestCase(13, 40, 70, Activation.Gelu)]
    [TestCase(8, 40, 70, Activation.Gelu)] // AVX2: a 6-row tile, then a 2-row one
    [TestCase(67, 96, 130, Activation.SiLU)] // AVX-512: 8- and 7-row tiles; AVX2: 6- and 5-row tiles; a narrow last panel
    [TestCase(10, 40, 70, Activation.SiLU)] // AVX-512: an 8-row tile, then a 2-row one
    [TestCase(500, 768, 96, Activation.Gelu)]
    public void GemmWithFusedActivation(int m, int k, int n, Activation activation)
    {
        var a = RandomValues.Uniform(m * k, 1);
        var b = RandomValues.Uniform(k * n, 2);
        var bias = RandomValues.Uniform(n, 3);
        Func<double, double> f = activation == Activation.SiLU ? NaiveReference.Silu : NaiveReference.Gelu;
        var expected = NaiveReference.MatMul(a, m, k, b, n, bias).Select(f).ToArray();
        foreach (var isa in GemmPaths())
        {
            var packed = new PackedMatrix(b, k, n, isa);
            var c = Poisoned(m * n);
            Gemm.Multiply(a, m, packed, bias, c, activation);
            Assert.That(Check($"gemm + {activation} {m}x{k}x{n} {isa}", c, expected), Is.LessThan(2e-5 * Math.Sqrt(k)));
        }
    }

    [TestCase(1, 7, 33)]
    [TestCase(67, 96, 130)] // AVX-512: 8- and 7-row tiles; AVX2: 6- and 5-row tiles; a narrow last panel
    [TestCase(8, 96, 130)] // AVX2: a 6-row tile, then a 2-row one
    [TestCase(500, 768, 96)]
    public void GemmWithFusedResidual(int m, int k, int n)
    {
        var a = RandomValues.Uniform(m * k, 1);
        var b = RandomValues.Uniform(k * n, 2);
        var bias = RandomValues.Uniform(n, 3);
        var residual = RandomValues.Uniform(m * n, 4, scale: 10);
        var expected = NaiveReference.MatMul(a, m, k, b, n, bias).Select((v, i) => v + residual[i]).ToArray();
        foreach (var isa in GemmPaths())
        {
            var packed = new PackedMatrix(b, k, n, isa);
            var c = Poisoned(m * n);
            Gemm.MultiplyAdd(a, m, packed, bias, residual, c);
            Assert.That(Check($"gemm + residual {m}x{k}x{n} {isa}", c, expected), Is.LessThan(2e-5 * Math.Sqrt(k)));
            // In place (x += W h + b), as the encoders use it: the same values.
            var inPlace = residual.Concat(Enumerable.Repeat(float.NaN, Sentinels)).ToArray();
            Gemm.MultiplyAdd(a, m, packed, bias, inPlace.AsSpan(0, m * n), inPlace);
            Assert.That(inPlace, Is.EqualTo(c));
        }
        var shifted = new float[m * n + 1]; // a residual one element off C: neither C itself nor apart from it
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyAdd(a, m, new PackedMatrix(b, k, n), bias, shifted.AsSpan(1), shifted.AsSpan(0, m * n)));
    }

    [TestCase(1, 7, 1e-6)]
    [TestCase(33, 40, 1e-6)]
    [TestCase(97, 768, 1e-5)] // rows split across the workers
    [TestCase(7, 768, 1e-5)]
    [TestCase(500, 257, 1e-6)]
    public void LayerNormMatches(int rows, int width, double eps)
    {
        var x = RandomValues.Uniform(rows * width, 4, scale: 3);
        for (int i = 0; i < width; i++) x[i] += 100; // a row with a large mean: the two-pass variance must hold
        var scale = RandomValues.Uniform(width, 5);
        var bias = RandomValues.Uniform(width, 6);
        var y = Poisoned(rows * width);
        LayerNorm.Apply(x, rows, width, scale, bias, (float)eps, y);
        Assert.That(Check($"layernorm {rows}x{width}", y, NaiveReference.LayerNorm(x, rows, width, scale, bias, eps)), Is.LessThan(2e-5));
    }

    [TestCase(1)]
    [TestCase(33)]
    [TestCase(1500)]
    [TestCase(100_003)] // split across the workers (ParallelSpans), an odd length past the split points
    public void ActivationsMatch(int count)
    {
        var x = RandomValues.Uniform(count, 7, scale: 8);
        x[0] = -9.5f;
        var silu = x.Concat(new float[Sentinels]).ToArray();
        Array.Fill(silu, float.NaN, count, Sentinels);
        Activations.SiLU(silu.AsSpan(0, count));
        Assert.That(Check($"silu {count}", silu, x.Select(v => NaiveReference.Silu(v)).ToArray()), Is.LessThan(1e-6));

        var gelu = x.Concat(new float[Sentinels]).ToArray();
        Array.Fill(gelu, float.NaN, count, Sentinels);
        Activations.Gelu(gelu.AsSpan(0, count));
        Assert.That(Check($"gelu (erf) {count}", gelu, x.Select(v => NaiveReference.Gelu(v)).ToArray()), Is.LessThan(2e-6));
    }

    [Test]
    public void ErfcMeetsItsStatedAccuracy()
    {
        // In float32, -z^2 carries an absolute rounding error of ~ulp(z^2), which exp turns into a relative
        // one: ~1e-6 near z = 3 (erfc = 2e-5), more in the far tail. GELU multiplies erfc by x/2, so what
        // reaches the model is the absolute error, below a float32 ulp of the GELU output.
        double worstRelative = 0, worstAbsolute = 0;
        for (double z = -6; z <= 6; z += 0.001)
        {
            double truth = NaiveReference.Erfc((float)z), error = Math.Abs(Activations.Erfc((float)z) - truth);
            if (z <= 3) worstRelative = Math.Max(worstRelative, error / truth);
            worstAbsolute = Math.Max(worstAbsolute, error);
        }
        TestContext.Out.WriteLine($"erfc on [-6, 3]: max relative error {worstRelative:E2}; on [-6, 6]: max absolute error {worstAbsolute:E2}");
        Assert.That(worstRelative, Is.LessThan(2e-6));
        Assert.That(worstAbsolute, Is.LessThan(4e-7));
    }

    [TestCase(1)]
    [TestCase(23)]
    [TestCase(4099)]
    public void ExpIsWithinTwoUlps(int count)
    {
        var x = RandomValues.Uniform(count, 12, scale: 90);
        x[0] = -100; // below the range: exactly 0
        // NaN in, NaN out: on the vector path (element 1) and on the scalar tail (the last).
        var nans = count > 1 ? new[] { 1, count - 1 } : [];
        foreach (int i in nans) x[i] = float.NaN;
        var y = Poisoned(count);
        VectorMath.Exp(x, y);
        Assert.That(y[0], Is.Zero);
        foreach (int i in nans) Assert.That(y[i], Is.NaN, $"exp(NaN) at {i}");
        double worst = 0;
        for (int i = 1; i < count; i++)
        {
            if (float.IsNaN(x[i])) continue;
            double truth = Math.Exp(x[i]);
            if (x[i] > 88.37f)
            {
                Assert.That(y[i], Is.EqualTo(float.PositiveInfinity), "saturates above 88.37");
                continue;
            }
            if (truth < 1.2e-38) continue; // below float32's normal range
            worst = Math.Max(worst, Math.Abs(y[i] - truth) / truth);
        }
        for (int i = count; i < y.Length; i++) Assert.That(float.IsNaN(y[i]), "wrote past the end");
        TestContext.Out.WriteLine($"exp {count}: max relative error {worst:E2} (float32 ulp 1.2e-7)");
        Assert.That(worst, Is.LessThan(2.4e-7));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(40)]
    [TestCase(1500)]
    public void SoftmaxNumeratorsMatch(int count)
    {
        var s = RandomValues.Uniform(count, 13, scale: 30);
        const float scale = 0.125f;
        double max = s.Max(v => (double)v);
        var expected = s.Select(v => Math.Exp(scale * (v - max))).ToArray();
        var row = s.Concat(Enumerable.Repeat(float.NaN, Sentinels)).ToArray();
        float sum = VectorMath.SoftmaxNumerators(row.AsSpan(0, count), scale);
        Assert.That(Check($"softmax numerators {count}", row, expected), Is.LessThan(5e-7));
        double relative = Math.Abs(sum - expected.Sum()) / expected.Sum();
        TestContext.Out.WriteLine($"softmax sum {count}: relative error {relative:E2}");
        Assert.That(relative, Is.LessThan(1e-6));
        // A NaN score anywhere (vector body or tail) makes the sum NaN, so the caller's row becomes NaN.
        foreach (int at in new[] { 0, count / 2, count - 1 })
        {
            var withNan = (float[])s.Clone();
            withNan[at] = float.NaN;
            Assert.That(VectorMath.SoftmaxNumerators(withNan, scale), Is.NaN, $"NaN at {at} of {count}");
        }
    }

    // The maximum is found wherever it stands: in the 32-wide body, the 8-wide steps, the last values (read
    // by an overlapping vector), or a row too short for a vector. The maximum's own numerator is exp(0) = 1
    // exactly and no other reaches 1; a maximum that were missed would leave a numerator above 1.
    [TestCase(5)]
    [TestCase(8)]
    [TestCase(9)]
    [TestCase(31)]
    [TestCase(33)]
    [TestCase(47)]
    [TestCase(100)]
    [TestCase(248)]
    public void SoftmaxFindsTheMaximumAnywhere(int count)
    {
        // Values in [-61, -1), all well below the peak.
        var below = RandomValues.Uniform(count, 17, scale: 30).Select(v => v - 31f).ToArray();
        const float scale = 0.125f, peak = 40;
        for (int at = 0; at < count; at++)
        {
            var row = (float[])below.Clone();
            row[at] = peak;
            VectorMath.SoftmaxNumerators(row, scale);
            Assert.That(row[at], Is.EqualTo(1f), $"the maximum's numerator, maximum at {at} of {count}");
            Assert.That(row.Where((_, j) => j != at).Max(), Is.LessThan(1f), $"another numerator reached 1, maximum at {at} of {count}");
        }
    }

    [TestCase(1, 1, 40, 8, false)]
    [TestCase(7, 7, 16, 4, true)]
    [TestCase(33, 33, 40, 8, false)]
    [TestCase(3, 20, 16, 4, true)]
    [TestCase(257, 257, 96, 1, false)]
    [TestCase(100, 100, 768, 12, true)]
    [TestCase(1, 500, 768, 8, false)]
    [TestCase(300, 300, 96, 1, true)]   // causal over several query blocks
    [TestCase(5, 600, 64, 2, true)]     // 5 new rows after 595 cached keys
    [TestCase(97, 1500, 192, 2, false)] // a 30 s clip's key count
    public void AttentionMatches(int queries, int keys, int width, int heads, bool causal)
    {
        var q = RandomValues.Uniform(queries * width, 8, scale: 2);
        var k = RandomValues.Uniform(keys * width, 9, scale: 2);
        var v = RandomValues.Uniform(keys * width, 10);
        double scale = 1 / Math.Sqrt(width / heads);
        var output = Poisoned(queries * width);
        Attention.Run(q, queries, k, v, keys, width, heads, causal, (float)scale, output);
        var expected = NaiveReference.Attention(q, queries, k, v, keys, width, heads, causal, scale);
        Assert.That(Check($"attention q{queries} k{keys} {heads}x{width / heads} causal={causal}", output, expected), Is.LessThan(2e-6));
    }

    [TestCase(33, 40, 8, false)]
    [TestCase(70, 96, 4, true)]
    [TestCase(530, 32, 2, false)] // many query blocks read from the fused rows
    public void AttentionReadsFusedQkvRows(int tokens, int width, int heads, bool causal)
    {
        // q, k and v side by side in rows of 3 x width, as the fused projection writes them.
        var q = RandomValues.Uniform(tokens * width, 13, scale: 2);
        var k = RandomValues.Uniform(tokens * width, 14, scale: 2);
        var v = RandomValues.Uniform(tokens * width, 15);
        var qkv = new float[tokens * 3 * width];
        for (int i = 0; i < tokens; i++)
        {
            q.AsSpan(i * width, width).CopyTo(qkv.AsSpan(i * 3 * width));
            k.AsSpan(i * width, width).CopyTo(qkv.AsSpan(i * 3 * width + width));
            v.AsSpan(i * width, width).CopyTo(qkv.AsSpan(i * 3 * width + 2 * width));
        }
        double scale = 1 / Math.Sqrt(width / heads);
        var output = Poisoned(tokens * width);
        Attention.Run(qkv, 3 * width, tokens, qkv.AsSpan(width), qkv.AsSpan(2 * width), 3 * width, tokens, width, heads, causal, (float)scale, output);
        var expected = NaiveReference.Attention(q, tokens, k, v, tokens, width, heads, causal, scale);
        Assert.That(Check($"attention fused qkv {tokens} {heads}x{width / heads} causal={causal}", output, expected), Is.LessThan(2e-6));
    }
}
