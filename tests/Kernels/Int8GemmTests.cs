using Cacophony.Kernels;
using Cacophony.Kernels.Cpu.Int8;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// The int8 product against closed forms: the quantizers' rounding bounds, the exact integer sums of every kernel
/// this CPU runs (naive int64 loops), the dequantized result against float64 arithmetic on the same quantized
/// operands, every kernel's C bit for bit alike, and the error against the unquantized float64 product within the
/// bound the two roundings allow.
/// </summary>
public class Int8GemmTests
{
    static IEnumerable<Int8Kernel> Kernels() => Int8Kernels.Supported;

    [Test]
    public void WeightsAreQuantizedPerChannelWithinHalfAStep()
    {
        int k = 37, n = 21;
        var w = RandomValues.Uniform(k * n, 3);
        for (int i = 0; i < k; i++) w[i * n + 5] *= 40; // one channel 40x larger: its own scale, the others unaffected
        var q = QuantizedMatrix.Quantize(w, k, n);
        for (int col = 0; col < n; col++)
        {
            double max = Enumerable.Range(0, k).Max(r => Math.Abs((double)w[r * n + col]));
            Assert.That(q.Scales[col], Is.EqualTo((float)(max / 127)).Within(1e-7 * max), $"column {col}'s scale is max |w| / 127");
            Assert.That(Enumerable.Range(0, k).Max(r => Math.Abs((int)q.At(r, col))), Is.EqualTo(127), "the largest weight maps to +-127");
            for (int r = 0; r < k; r++)
                Assert.That(Math.Abs(w[r * n + col] - q.Scales[col] * q.At(r, col)), Is.LessThanOrEqualTo(q.Scales[col] * 0.5000001), $"({r}, {col})");
        }
        Assert.That(q.At(k, 0), Is.Zero, "K padded with zeros");
    }

    [Test]
    public void RowsAreQuantizedToSevenBitsWithZeroExact()
    {
        int rows = 5, k = 70; // 70: two 32-value steps, an 8-value step and a scalar tail
        var a = RandomValues.Uniform(rows * k, 4);
        for (int i = 0; i < k; i++) a[3 * k + i] = Math.Abs(a[3 * k + i]); // a row with no negative value
        a.AsSpan(4 * k, k).Clear(); // an all-zero row
        var q = new QuantizedRows();
        q.Quantize(a, rows, k, k);
        for (int r = 0; r < rows; r++)
        {
            float scale = q.Scales[r];
            int zero = q.ZeroPoints[r];
            for (int i = 0; i < k; i++)
            {
                byte value = q.Values[r * q.PaddedK + i];
                Assert.That((int)value, Is.InRange(0, 127));
                Assert.That(Math.Abs(a[r * k + i] - scale * (value - zero)), Is.LessThanOrEqualTo(Math.Max(scale * 0.5001, 1e-30)), $"row {r}, {i}");
            }
            Assert.That(scale * (zero - zero), Is.Zero);
            // The range is the row's own, 0 included: (max - min) / 127 in float32, as the definition reads.
            var values = a.AsSpan(r * k, k).ToArray();
            Assert.That(scale, Is.EqualTo((Math.Max(0f, values.Max()) - Math.Min(0f, values.Min())) / 127f), $"row {r}'s scale");
        }
        Assert.That(q.ZeroPoints[3], Is.Zero, "a non-negative row needs no zero point");
        Assert.That(q.Values.AsSpan(4 * q.PaddedK, k).ToArray(), Is.All.EqualTo((byte)0));
    }

    static readonly int[] TileShapes = [8, 6, 4, 1];

    [TestCaseSource(nameof(Kernels))]
    public void EveryKernelGivesTheExactIntegerSums(Int8Kernel kernel)
    {
        var random = new Random(7);
        foreach (var (m, k) in new[] { (1, 1), (8, 4), (13, 7), (9, 64), (5, 771), (17, 3072) })
        {
            int n = 40;
            var weights = new sbyte[k * n];
            for (int i = 0; i < weights.Length; i++) weights[i] = (sbyte)random.Next(-127, 128);
            // The extremes too: a pair of 127 x 127 products is the largest int16 sum the 7-bit activations allow.
            for (int i = 0; i < Math.Min(k, 8); i++) weights[i * n] = 127;
            var b = new QuantizedMatrix(weights, Enumerable.Repeat(1f, n).ToArray(), k, n);
            var a = new QuantizedRows();
            var floats = new float[m * k];
            for (int i = 0; i < floats.Length; i++) floats[i] = random.Next(0, 128);
            floats[0] = 127;
            a.Quantize(floats, m, k, k);
            var sums = new int[8 * 16];
            for (int panel = 0; panel < b.PanelCount; panel++)
                for (int row = 0, turn = 0; row < m; turn++)
                {
                    // Every tile shape a kernel has (8 rows on AVX-512, 6 and 4 on the 256-bit kernels) and single
                    // rows, taken in turn where they fit.
                    int rows = TileShapes.Skip(turn % TileShapes.Length).Concat(TileShapes).First(t => t <= m - row);
                    Int8Gemm.Sums(kernel, a, row, rows, b, panel, sums);
                    for (int r = 0; r < rows; r++)
                        for (int j = 0; j < 16 && panel * 16 + j < n; j++)
                        {
                            long expected = 0;
                            for (int i = 0; i < k; i++) expected += a.Values[(row + r) * a.PaddedK + i] * (long)weights[i * n + panel * 16 + j];
                            Assert.That(sums[r * 16 + j], Is.EqualTo(expected), $"{kernel}, {m} x {k}: row {row + r}, column {panel * 16 + j} ({rows}-row call)");
                        }
                    row += rows;
                }
        }
    }

    [Test]
    public void SixRowTilesCoverEveryRowAndLeaveAtMostOneAlone()
    {
        // A single row runs at a fraction of a tile's rate, so the AVX-VNNI kernel's 6-row tiles fall back to 4-row
        // ones rather than leave 2 or 3 rows alone: from 4 rows on, at most one row is ever taken by itself.
        for (int m = 1; m <= 100; m++)
        {
            var tiles = new List<int>();
            for (int row = 0; row < m; row += tiles[^1]) tiles.Add(Int8Gemm.TileRows(m - row, 6));
            Assert.That(tiles.Sum(), Is.EqualTo(m), $"{m} rows: {string.Join(" + ", tiles)}");
            Assert.That(tiles, Is.All.AnyOf(6, 4, 1), $"{m} rows: {string.Join(" + ", tiles)}");
            Assert.That(tiles.Count(t => t == 1), Is.LessThanOrEqualTo(m < 4 ? m : 1), $"{m} rows: {string.Join(" + ", tiles)}");
            Assert.That(tiles.Count(t => t == 6), Is.GreaterThanOrEqualTo((m - 9) / 6), $"{m} rows take mostly 6-row tiles: {string.Join(" + ", tiles)}");
        }
        Assert.That(Enumerable.Range(1, 20).Select(left => Int8Gemm.TileRows(left, 4)), Is.EqualTo(Enumerable.Range(1, 20).Select(left => left >= 4 ? 4 : 1)), "4-row kernels: 4, else 1");
    }

    [Test]
    public void EveryKernelGivesTheSameBitsAndTheDequantizedProduct()
    {
        int m = 37, k = 768, n = 200;
        var a = RandomValues.Uniform(m * k, 11, 3);
        var w = RandomValues.Uniform(k * n, 12, 0.05);
        var bias = RandomValues.Uniform(n, 13);
        var b = QuantizedMatrix.Quantize(w, k, n);
        var rows = new QuantizedRows();
        rows.Quantize(a, m, k, k);

        float[]? first = null;
        foreach (var kernel in Kernels())
        {
            var c = new float[m * n];
            Int8Gemm.Multiply(a, m, b, bias, c, kernel);
            first ??= c;
            Assert.That(c, Is.EqualTo(first), $"{kernel} gives the {Kernels().First()} kernel's bits");
        }

        for (int r = 0; r < m; r++)
            for (int col = 0; col < n; col++)
            {
                // What the kernel computes, in float64 on the same quantized operands.
                double quantized = 0, exact = 0, bound = 0;
                double sa = rows.Scales[r], sw = b.Scales[col];
                for (int i = 0; i < k; i++)
                {
                    double qa = sa * (rows.Values[r * rows.PaddedK + i] - rows.ZeroPoints[r]), qw = sw * b.At(i, col);
                    quantized += qa * qw;
                    exact += (double)a[r * k + i] * w[i * n + col];
                    // |a w - qa qw| <= |a| |w - qw| + |qw| |a - qa|, each rounding error at most half a step
                    bound += Math.Abs(a[r * k + i]) * sw / 2 + Math.Abs(qw) * sa / 2;
                }
                double got = first![r * n + col] - bias[col];
                Assert.That(got, Is.EqualTo(quantized).Within(1e-5 * (Math.Abs(quantized) + sa * sw * k * 127)), $"({r}, {col}) against the quantized operands");
                Assert.That(Math.Abs(first[r * n + col] - (exact + bias[col])), Is.LessThanOrEqualTo(bound * 1.0001 + 1e-4), $"({r}, {col}) against the float product");
            }
    }

    [Test]
    public void TheEpilogueAddsTheResidualInPlaceOrAppliesTheActivation()
    {
        int m = 21, k = 96, n = 200;
        var a = RandomValues.Uniform(m * k, 21);
        var b = QuantizedMatrix.Quantize(RandomValues.Uniform(k * n, 22, 0.1), k, n);
        var bias = RandomValues.Uniform(n, 23);
        var residual = RandomValues.Uniform(m * n, 24);
        var plain = new float[m * n];
        Int8Gemm.Multiply(a, m, b, bias, plain);

        var inPlace = residual.ToArray();
        Int8Gemm.Multiply(a, m, b, bias, inPlace, residual: inPlace);
        Assert.That(inPlace, Is.EqualTo(plain.Select((v, i) => v + residual[i]).ToArray()), "x += W h + b, in place, the same bits as adding afterwards");

        foreach (var (activation, reference) in new (Activation, Func<double, double>)[] { (Activation.Gelu, NaiveReference.Gelu), (Activation.SiLU, NaiveReference.Silu) })
        {
            var activated = new float[m * n];
            Int8Gemm.Multiply(a, m, b, bias, activated, activation: activation);
            for (int i = 0; i < plain.Length; i++)
                Assert.That(activated[i], Is.EqualTo(reference(plain[i])).Within(1e-6 * (1 + Math.Abs(plain[i]))), $"{activation} at {i}");
        }
    }

    /// <summary>
    /// At most 1/32 of a product's columns are kept in float32, the largest, also when the same buffers served a
    /// product with more columns before (the calling thread's buffers are reused across the model's products).
    /// </summary>
    [Test]
    public void AtMostOneColumnInThirtyTwoIsAnOutlier()
    {
        var rows = new QuantizedRows();
        rows.Quantize(RandomValues.Uniform(4 * 3072, 41), 4, 3072, 3072);
        int m = 6, k = 256;
        var a = RandomValues.Uniform(m * k, 42);
        // 12 columns far larger than the rest (|values| up to 1), of growing size: the cap is 256 / 32 = 8, so the 8 largest stay.
        for (int i = 0; i < 12; i++)
            for (int r = 0; r < m; r++) a[r * k + 20 * i + 3] = (40 + 5 * i) * (r % 2 == 0 ? 1 : -1);
        rows.Quantize(a, m, k, k);
        Assert.That(rows.OutlierColumns.Take(rows.OutlierCount).Order(), Is.EqualTo(Enumerable.Range(4, 8).Select(i => 20 * i + 3)));
    }

    /// <summary>
    /// Columns 30x larger than the rest are found, kept in float32 and added back exactly: the product is the int8
    /// product of the other columns (against the float64 sum over the quantized operands) plus the float64 product of
    /// the outlier columns with their dequantized weights, and far closer to the float product than without them.
    /// </summary>
    [Test]
    public void OutlierColumnsAreKeptInFloat32()
    {
        int m = 19, k = 256, n = 48;
        int[] outliers = [5, 100, 101, 250];
        var a = RandomValues.Uniform(m * k, 31);
        for (int r = 0; r < m; r++)
            foreach (int col in outliers) a[r * k + col] *= 30;
        var w = RandomValues.Uniform(k * n, 32, 0.05);
        var b = QuantizedMatrix.Quantize(w, k, n);
        var rows = new QuantizedRows();
        rows.Quantize(a, m, k, k);
        Assert.That(rows.OutlierColumns.Take(rows.OutlierCount), Is.EqualTo(outliers));

        var c = new float[m * n];
        Int8Gemm.Multiply(rows, b, default, c);
        double worst = 0, worstWithout = 0;
        for (int r = 0; r < m; r++)
        {
            for (int col = 0; col < n; col++)
            {
                double expected = 0, exact = 0;
                double sa = rows.Scales[r], sw = b.Scales[col];
                for (int i = 0; i < k; i++)
                {
                    double qw = sw * b.At(i, col);
                    int q = rows.Values[r * rows.PaddedK + i] - rows.ZeroPoints[r];
                    expected += outliers.Contains(i) ? a[r * k + i] * qw : sa * q * qw;
                    if (outliers.Contains(i)) Assert.That(q, Is.Zero, $"outlier ({r}, {i}) is out of the int8 row");
                    exact += (double)a[r * k + i] * w[i * n + col];
                }
                Assert.That(c[r * n + col], Is.EqualTo(expected).Within(1e-5 * (Math.Abs(expected) + 1)), $"({r}, {col})");
                worst = Math.Max(worst, Math.Abs(c[r * n + col] - exact));
            }
        }
        // Without the outlier columns taken out: each row quantized whole to 7 bits (computed here, in float64).
        for (int r = 0; r < m; r++)
        {
            var row = a.AsSpan(r * k, k).ToArray();
            double min = Math.Min(0, row.Min()), max = Math.Max(0, row.Max()), scale = (max - min) / 127;
            double zero = Math.Round(-min / scale);
            var dequantized = row.Select(v => scale * (Math.Clamp(Math.Round(v / scale) + zero, 0, 127) - zero)).ToArray();
            for (int col = 0; col < n; col++)
            {
                double quantized = 0, exact = 0;
                for (int i = 0; i < k; i++)
                {
                    quantized += dequantized[i] * b.Scales[col] * b.At(i, col);
                    exact += (double)row[i] * w[i * n + col];
                }
                worstWithout = Math.Max(worstWithout, Math.Abs(quantized - exact));
            }
        }
        TestContext.Out.WriteLine($"largest error against the float product: {worst:G3} with outlier columns in float32, {worstWithout:G3} without");
        Assert.That(worst, Is.LessThan(worstWithout / 3));
    }
}
