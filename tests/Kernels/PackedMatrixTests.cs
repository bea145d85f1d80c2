using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>Matrices packed block by block (q | k | v straight from their own copies) against the float64 product.</summary>
public class PackedMatrixTests
{
    [TestCase(96, new[] { 32, 64, 19 })] // the last block ends inside a panel (at N)
    [TestCase(40, new[] { 64, 64, 64 })]
    public void BlocksSideBySideGiveTheConcatenatedProduct(int k, int[] widths)
    {
        int m = 13, n = widths.Sum();
        var blocks = widths.Select((w, i) => RandomValues.Uniform(k * w, 10 + i)).ToArray();
        var whole = new float[k * n];
        for (int r = 0, column = 0; r < k; r++, column = 0)
            for (int b = 0; b < blocks.Length; column += widths[b], b++)
                blocks[b].AsSpan(r * widths[b], widths[b]).CopyTo(whole.AsSpan(r * n + column));
        var a = RandomValues.Uniform(m * k, 1);
        var expected = NaiveReference.MatMul(a, m, k, whole, n, []);
        foreach (var isa in Enum.GetValues<InstructionSet>()) // Vector512 in software where not accelerated
        {
            var packed = new PackedMatrix(k, n, isa);
            if (widths.SkipLast(1).Any(w => w % packed.PanelWidth != 0)) continue; // not on panel boundaries for this width
            for (int b = 0, column = 0; b < blocks.Length; column += widths[b], b++) packed.PackColumns(blocks[b], column, widths[b]);
            var c = new float[m * n];
            Gemm.Multiply(a, m, packed, [], c);
            double worst = c.Select((v, i) => Math.Abs(v - expected[i])).Max();
            TestContext.Out.WriteLine($"{isa}: {widths.Length} blocks {string.Join('+', widths)}, max-abs error {worst:E2}");
            Assert.That(worst, Is.LessThan(2e-5 * Math.Sqrt(k)));
        }
    }

    /// <summary>
    /// Attention packs K^T straight from the keys (row stride 1, column stride = the keys' row stride): the
    /// panels must hold exactly what packing an explicit transpose gives, 8 x 8 blocks and ragged edges alike.
    /// </summary>
    [TestCase(96, 248, 2304)] // a 5 s clip's keys for one head, q | k | v side by side
    [TestCase(64, 100, 768)]
    [TestCase(13, 21, 40)] // neither K nor N a multiple of 8, a narrow last panel
    [TestCase(8, 8, 8)]
    public void TransposedSourcePacksLikeItsTranspose(int k, int n, int columnStride)
    {
        var source = RandomValues.Uniform(n * columnStride, 7); // n keys, each k values at the start of its row
        var transposed = new float[k * n];
        for (int row = 0; row < k; row++)
            for (int column = 0; column < n; column++)
                transposed[row * n + column] = source[column * columnStride + row];
        foreach (var isa in Enum.GetValues<InstructionSet>()) // Vector512 in software where not accelerated
        {
            var direct = new PackedMatrix(source, k, n, rowStride: 1, columnStride: columnStride, isa);
            var reference = new PackedMatrix(transposed, k, n, isa);
            int length = direct.PanelCount * k * direct.PanelWidth;
            var got = direct.Data.AsSpan(direct.Offset, length);
            var expected = reference.Data.AsSpan(reference.Offset, length);
            Assert.That(got.SequenceEqual(expected), $"{isa}: {k} x {n} from a transposed source (column stride {columnStride})");
        }
    }

    /// <summary>
    /// A leading block (what a causal query block's keys and values are) reads the whole matrix's panels in
    /// place: its product must be, bit for bit, the product with that block packed on its own.
    /// </summary>
    [TestCase(64, 100, 48, 48)] // keys a 48-query block sees: n ends inside a panel on every width
    [TestCase(100, 64, 97, 64)] // values: K cut, not a multiple of the unrolled 4
    [TestCase(33, 70, 33, 70)]  // the whole matrix
    [TestCase(40, 40, 1, 1)]
    public void LeadingBlockMultipliesAsItsOwnPacking(int k, int n, int leadingK, int leadingN)
    {
        int m = 13;
        var weights = RandomValues.Uniform(k * n, 3);
        var block = new float[leadingK * leadingN];
        for (int row = 0; row < leadingK; row++) weights.AsSpan(row * n, leadingN).CopyTo(block.AsSpan(row * leadingN));
        var a = RandomValues.Uniform(m * leadingK, 4);
        var expected = NaiveReference.MatMul(a, m, leadingK, block, leadingN, []);
        foreach (var isa in Enum.GetValues<InstructionSet>()) // Vector512 in software where not accelerated
        {
            var view = new PackedMatrix(weights, k, n, isa).Leading(leadingK, leadingN);
            Assert.That((view.K, view.N), Is.EqualTo((leadingK, leadingN)));
            var viaView = new float[m * leadingN];
            var viaCopy = new float[m * leadingN];
            Gemm.Multiply(a, m, view, [], viaView);
            Gemm.Multiply(a, m, new PackedMatrix(block, leadingK, leadingN, isa), [], viaCopy);
            double worst = viaView.Select((v, i) => Math.Abs(v - expected[i])).Max();
            TestContext.Out.WriteLine($"{isa}: leading {leadingK} x {leadingN} of {k} x {n}, max-abs error {worst:E2}");
            Assert.That(viaView, Is.EqualTo(viaCopy), $"{isa}: the view's product differs from the packed block's");
            Assert.That(worst, Is.LessThan(2e-5 * Math.Sqrt(leadingK)));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(weights, k, n).Leading(k + 1, n));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(weights, k, n).Leading(k, 0));
    }

    [Test]
    public void BlocksOffPanelBoundariesAreRefused()
    {
        var packed = new PackedMatrix(4, 64, InstructionSet.Vector256); // 16-column panels
        Assert.Throws<ArgumentException>(() => packed.PackColumns(new float[4 * 8], 8, 8));
        Assert.Throws<ArgumentException>(() => packed.PackColumns(new float[4 * 24], 0, 24));
        Assert.Throws<ArgumentException>(() => packed.PackColumns(new float[4 * 16], 56, 16));
        Assert.Throws<ArgumentException>(() => packed.PackColumns(new float[3 * 16], 0, 16));
    }
}
