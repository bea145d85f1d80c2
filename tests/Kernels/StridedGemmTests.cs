using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// The GEMM with A's and C's rows further apart than K and N (attention reads a head's queries out of the
/// fused q|k|v rows and writes its output between the other heads' columns): the float64 product, the same
/// bits as the compact product, and nothing written between C's rows.
/// </summary>
public class StridedGemmTests
{
    [TestCase(48, 96, 248, 2304, 248)] // attention's Q K^T: queries out of q|k|v rows
    [TestCase(48, 248, 96, 248, 768)] // attention's P V: one head's columns of the output
    [TestCase(13, 260, 130, 300, 150)] // A's row tiles packed (K >= 256, 8+ panels), a remainder row, a narrow last panel
    [TestCase(50, 40, 64, 41, 65)] // two remainder rows, odd strides
    public void StridedRowsGiveTheCompactProduct(int m, int k, int n, int lda, int ldc)
    {
        var weights = RandomValues.Uniform(k * n, 2);
        var compactA = RandomValues.Uniform(m * k, 1);
        var stridedA = new float[(m - 1) * lda + k];
        Array.Fill(stridedA, float.NaN); // the gaps between A's rows must never be read into a product
        for (int r = 0; r < m; r++) compactA.AsSpan(r * k, k).CopyTo(stridedA.AsSpan(r * lda));
        var expected = NaiveReference.MatMul(compactA, m, k, weights, n, []);
        foreach (var isa in Enum.GetValues<InstructionSet>()) // Vector512 in software where not accelerated
            foreach (int threads in new[] { 1, 2 })
            {
                var packed = new PackedMatrix(weights, k, n, isa);
                var compact = new float[m * n];
                Gemm.Multiply(compactA, m, packed, [], compact, threads);
                var strided = new float[(m - 1) * ldc + n];
                Array.Fill(strided, -7f);
                Gemm.Multiply(stridedA, lda, m, packed, strided, ldc, threads);

                double worst = 0;
                for (int r = 0; r < m; r++)
                    for (int j = 0; j < ldc && r * ldc + j < strided.Length; j++)
                    {
                        float value = strided[r * ldc + j];
                        if (j >= n)
                        {
                            Assert.That(value, Is.EqualTo(-7f), $"{isa}, {threads} thread(s): wrote between rows at row {r}, column {j}");
                            continue;
                        }
                        Assert.That(value, Is.EqualTo(compact[r * n + j]), $"{isa}, {threads} thread(s): row {r}, column {j} differs from the compact product");
                        worst = Math.Max(worst, Math.Abs(value - expected[r * n + j]));
                    }
                TestContext.Out.WriteLine($"{isa}, {threads} thread(s), {m}x{k}x{n}, lda {lda}, ldc {ldc}: max-abs error {worst:E2} against float64");
                Assert.That(worst, Is.LessThan(2e-5 * Math.Sqrt(k)));
            }
    }

    [Test]
    public void StridesBelowTheRowLengthsAreRefused()
    {
        var packed = new PackedMatrix(RandomValues.Uniform(8 * 16, 1), 8, 16);
        var a = new float[4 * 8];
        var c = new float[4 * 16];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, 7, 4, packed, c, 16, 1));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, 8, 4, packed, c, 15, 1));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, 9, 4, packed, c, 16, 1)); // A too short for 4 rows 9 apart
    }
}
