using Cacophony.Kernels;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// The CPU kernels' own contracts, below the backend's operations (those are <see cref="BackendConformanceTests"/>):
/// the GEMM's bit-exact fused chain on every path (Vector512, Vector256, scalar, in software where the machine
/// lacks the instructions), the vectorized activations, erfc, exp and softmax against float64, with outputs
/// poisoned with NaN and NaN sentinels past their end. CI runs the suite again with AVX-512 off, so the
/// Vector256 selection is tested on any machine.
/// </summary>
public class CpuKernelTests
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
    static InstructionSet[] GemmPaths() => Enum.GetValues<InstructionSet>();

    [Test]
    public void ReportsTheInstructionSet() =>
        TestContext.Out.WriteLine($"instruction set: {Isa.Describe(Isa.Detected)}; Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");

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

}
