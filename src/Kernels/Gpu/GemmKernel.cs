using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>What the GEMM epilogue applies to A B + bias before the optional residual add.</summary>
public enum Epilogue
{
    None = 0,
    Gelu = 1,
    SiLU = 2,
}

/// <summary>
/// C = act(A B + bias) (+ R), float32: A is M x K row-major, B is K x N row-major (the canonical (in, out)
/// weights), bias has N entries, R (optional, may alias nothing) is M x N.
///
/// Tiling: a group of 16 x 16 threads owns a 64 x 64 block of C and walks K in steps of 16. Each step, the
/// group stages a 64 x 16 slice of A and a 16 x 64 slice of B in shared memory (4 elements per thread each,
/// coalesced), then every thread accumulates a 4 x 4 register block: rows 4 ty .. 4 ty + 3 and columns
/// tx, tx + 16, tx + 32, tx + 48 (strided, so neighbouring threads read neighbouring shared words). Edges
/// are zero-filled on loading and masked on storing. Accumulation is float32, one product per K, in K order.
/// B may be stored as float16 bits (<see cref="RunHalfWeights"/>): widened to float32 as it is staged, by bit
/// arithmetic (ILGPU's OpenCL backend cannot compile its Half type without cl_khr_fp16).
/// </summary>
public static class GemmKernel
{
    public const int Tile = 64, Depth = 16, Threads = 16;

    /// <summary>Reads B's elements as float32, whatever they are stored as.</summary>
    interface IWeights
    {
        float Read(long index);
    }

    readonly struct SingleWeights(ArrayView<float> values) : IWeights
    {
        public float Read(long index) => values[index];
    }

    readonly struct HalfWeights(ArrayView<ushort> bits) : IWeights
    {
        public float Read(long index) => DeviceMath.HalfToFloat(bits[index]);
    }

    public static void Run(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<float> c, int m, int k, int n, int epilogue) =>
        Body(a, new SingleWeights(b), bias, residual, c, m, k, n, epilogue);

    public static void RunHalfWeights(ArrayView<float> a, ArrayView<ushort> b, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<float> c, int m, int k, int n, int epilogue) =>
        Body(a, new HalfWeights(b), bias, residual, c, m, k, n, epilogue);

    static void Body<TWeights>(ArrayView<float> a, TWeights b, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<float> c, int m, int k, int n, int epilogue) where TWeights : struct, IWeights
    {
        var aTile = SharedMemory.Allocate<float>(Tile * Depth);
        var bTile = SharedMemory.Allocate<float>(Depth * Tile);
        int tx = Group.IdxX, ty = Group.IdxY, thread = ty * Threads + tx;
        int rowBase = Grid.IdxY * Tile, columnBase = Grid.IdxX * Tile;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < k; k0 += Depth)
        {
            for (int i = 0; i < 4; i++)
            {
                int index = thread + i * Threads * Threads;
                int row = index / Depth, kk = index % Depth;
                int globalRow = rowBase + row, globalK = k0 + kk;
                aTile[kk * Tile + row] = globalRow < m && globalK < k ? a[(long)globalRow * k + globalK] : 0f;
                int bk = index / Tile, column = index % Tile;
                int globalBk = k0 + bk, globalColumn = columnBase + column;
                bTile[bk * Tile + column] = globalBk < k && globalColumn < n ? b.Read((long)globalBk * n + globalColumn) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < Depth; kk++)
            {
                float a0 = aTile[kk * Tile + ty * 4], a1 = aTile[kk * Tile + ty * 4 + 1], a2 = aTile[kk * Tile + ty * 4 + 2], a3 = aTile[kk * Tile + ty * 4 + 3];
                float b0 = bTile[kk * Tile + tx], b1 = bTile[kk * Tile + tx + 16], b2 = bTile[kk * Tile + tx + 32], b3 = bTile[kk * Tile + tx + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        int r0 = rowBase + ty * 4;
        Store(c, bias, residual, m, n, r0, columnBase + tx, c00, c01, c02, c03, epilogue);
        Store(c, bias, residual, m, n, r0 + 1, columnBase + tx, c10, c11, c12, c13, epilogue);
        Store(c, bias, residual, m, n, r0 + 2, columnBase + tx, c20, c21, c22, c23, epilogue);
        Store(c, bias, residual, m, n, r0 + 3, columnBase + tx, c30, c31, c32, c33, epilogue);
    }

    static void Store(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> residual, int m, int n, int row, int column,
        float v0, float v1, float v2, float v3, int epilogue)
    {
        if (row >= m) return;
        StoreOne(c, bias, residual, n, row, column, v0, epilogue);
        StoreOne(c, bias, residual, n, row, column + 16, v1, epilogue);
        StoreOne(c, bias, residual, n, row, column + 32, v2, epilogue);
        StoreOne(c, bias, residual, n, row, column + 48, v3, epilogue);
    }

    static void StoreOne(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> residual, int n, int row, int column, float value, int epilogue)
    {
        if (column >= n) return;
        if (bias.Length > 0) value += bias[column];
        if (epilogue == (int)Epilogue.Gelu) value = DeviceMath.Gelu(value);
        else if (epilogue == (int)Epilogue.SiLU) value = DeviceMath.SiLU(value);
        long index = (long)row * n + column;
        if (residual.Length > 0) value += residual[index];
        c[index] = value;
    }

    /// <summary>Groups of 16 x 16 threads, one per 64 x 64 block of C.</summary>
    public static KernelConfig Config(int m, int n) =>
        new(new Index2D((n + Tile - 1) / Tile, (m + Tile - 1) / Tile), new Index2D(Threads, Threads));
}
