using System.Runtime.CompilerServices;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>The GEMM's k-major copies of A's row tiles, held to their definition: block[k * R + r] = A[row + r, k].</summary>
public class RowTileBlocksTests
{
    /// <param name="gap">Floats between A's rows (a row-strided A: rows K + gap apart).</param>
    [TestCase(0)]
    [TestCase(5)]
    public unsafe void PacksEachTileKMajorWithinItsOwnBlock(int gap)
    {
        foreach (int rows in new[] { 5, 6, 7, 8 })
            foreach (int k in new[] { 1, 7, 8, 9, 16, 17, 96, 130 })
            {
                const int Tiles = 3;
                int m = Tiles * rows + 2, lda = k + gap; // two rows past the last tile, as the GEMM's remainder tiles leave them
                var random = new Random(rows * 1000 + k);
                var a = Enumerable.Range(0, m * lda).Select(_ => (float)random.NextDouble()).ToArray();
                var packed = new float[Tiles][];
                fixed (float* source = a)
                    using (var blocks = new RowTileBlocks(source, lda, m, k, pack: true))
                    {
                        // The middle tile first, then its neighbours: a write past either end of a neighbour's block
                        // would land in the middle one after it was packed.
                        foreach (int tile in new[] { 1, 0, 2 })
                        {
                            ref float block = ref blocks.Rows(tile, tile * rows, rows, out bool isPacked);
                            Assert.That(isPacked, $"tile {tile} of {rows} rows, K = {k}: not packed on its first use");
                        }
                        for (int tile = 0; tile < Tiles; tile++)
                        {
                            ref float block = ref blocks.Rows(tile, tile * rows, rows, out bool isPacked);
                            Assert.That(isPacked, $"tile {tile}: not ready on its second use");
                            packed[tile] = new float[rows * k];
                            for (int i = 0; i < rows * k; i++) packed[tile][i] = Unsafe.Add(ref block, i);
                        }
                    }
                for (int tile = 0; tile < Tiles; tile++)
                    for (int x = 0; x < k; x++)
                        for (int r = 0; r < rows; r++)
                            Assert.That(packed[tile][x * rows + r], Is.EqualTo(a[(tile * rows + r) * lda + x]),
                                $"{rows} rows, K = {k}, lda = {lda}: tile {tile}, row {r}, k {x}");
            }
    }

    [Test]
    public unsafe void WithoutPackingATileReadsAItself()
    {
        var a = new float[20 * 300];
        fixed (float* source = a)
            using (var blocks = new RowTileBlocks(source, 300, 20, 280, pack: false))
            {
                ref float rows = ref blocks.Rows(2, 12, 6, out bool packed);
                Assert.That(packed, Is.False);
                Assert.That(Unsafe.AreSame(ref rows, ref a[12 * 300]), "rows lda = 300 apart, not K = 280");
            }
    }
}
