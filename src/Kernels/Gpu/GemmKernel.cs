using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// C = act(A B + bias) (+ R), float32: A is M x K row-major, B is K x N row-major (the canonical (in, out)
/// weights), bias has N entries, R (optional, may alias nothing) is M x N.
///
/// Tiling: a group of 16 x 16 threads owns a 64 x 64 block of C and walks K in steps of 16. Each step, the
/// group stages a 64 x 16 slice of A and a 16 x 64 slice of B in shared memory (4 elements per thread each,
/// coalesced), double-buffered: the next slice's global loads are issued into registers before the current
/// slice is multiplied, and land in the other shared buffer, so their latency hides behind the arithmetic
/// and one barrier per slice suffices. Every thread accumulates a 4 x 4 register block: rows 4 ty .. 4 ty + 3
/// and columns tx, tx + 16, tx + 32, tx + 48 (strided, so neighbouring threads read neighbouring shared
/// words). Edges
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
        // Two slices of each operand: the group multiplies out of one while the next is written into the other.
        var aTile = SharedMemory.Allocate<float>(2 * Tile * Depth);
        var bTile = SharedMemory.Allocate<float>(2 * Depth * Tile);
        int tx = Group.IdxX, ty = Group.IdxY, thread = ty * Threads + tx;
        int rowBase = Grid.IdxY * Tile, columnBase = Grid.IdxX * Tile;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        // This thread's 4 + 4 staging positions are the same for every slice: only k0 moves.
        int stride = Threads * Threads;
        int aRow0 = thread / Depth, aK = thread % Depth, aRowStep = stride / Depth;
        int bK0 = thread / Tile, bColumn = thread % Tile, bKStep = stride / Tile;
        int aGlobalRow = rowBase + aRow0, bGlobalColumn = columnBase + bColumn;

        float pa0 = LoadA(a, m, k, aGlobalRow, 0 + aK), pa1 = LoadA(a, m, k, aGlobalRow + aRowStep, aK);
        float pa2 = LoadA(a, m, k, aGlobalRow + 2 * aRowStep, aK), pa3 = LoadA(a, m, k, aGlobalRow + 3 * aRowStep, aK);
        float pb0 = LoadB(b, k, n, bK0, bGlobalColumn), pb1 = LoadB(b, k, n, bK0 + bKStep, bGlobalColumn);
        float pb2 = LoadB(b, k, n, bK0 + 2 * bKStep, bGlobalColumn), pb3 = LoadB(b, k, n, bK0 + 3 * bKStep, bGlobalColumn);
        int buffer = 0;
        for (int k0 = 0; k0 < k; k0 += Depth)
        {
            // Stage the slice fetched last step, then fetch the next one: its global loads are in flight while
            // this slice is multiplied (one barrier per slice: the other buffer was last read before the
            // previous barrier).
            int aBase = buffer * Tile * Depth, bBase = buffer * Depth * Tile;
            aTile[aBase + aK * Tile + aRow0] = pa0;
            aTile[aBase + aK * Tile + aRow0 + aRowStep] = pa1;
            aTile[aBase + aK * Tile + aRow0 + 2 * aRowStep] = pa2;
            aTile[aBase + aK * Tile + aRow0 + 3 * aRowStep] = pa3;
            bTile[bBase + bK0 * Tile + bColumn] = pb0;
            bTile[bBase + (bK0 + bKStep) * Tile + bColumn] = pb1;
            bTile[bBase + (bK0 + 2 * bKStep) * Tile + bColumn] = pb2;
            bTile[bBase + (bK0 + 3 * bKStep) * Tile + bColumn] = pb3;
            Group.Barrier();
            int next = k0 + Depth;
            pa0 = LoadA(a, m, k, aGlobalRow, next + aK);
            pa1 = LoadA(a, m, k, aGlobalRow + aRowStep, next + aK);
            pa2 = LoadA(a, m, k, aGlobalRow + 2 * aRowStep, next + aK);
            pa3 = LoadA(a, m, k, aGlobalRow + 3 * aRowStep, next + aK);
            pb0 = LoadB(b, k, n, next + bK0, bGlobalColumn);
            pb1 = LoadB(b, k, n, next + bK0 + bKStep, bGlobalColumn);
            pb2 = LoadB(b, k, n, next + bK0 + 2 * bKStep, bGlobalColumn);
            pb3 = LoadB(b, k, n, next + bK0 + 3 * bKStep, bGlobalColumn);
            for (int kk = 0; kk < Depth; kk++)
            {
                int at = aBase + kk * Tile + ty * 4, bt = bBase + kk * Tile + tx;
                float a0 = aTile[at], a1 = aTile[at + 1], a2 = aTile[at + 2], a3 = aTile[at + 3];
                float b0 = bTile[bt], b1 = bTile[bt + 16], b2 = bTile[bt + 32], b3 = bTile[bt + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            buffer ^= 1;
        }
        int r0 = rowBase + ty * 4;
        Store(c, bias, residual, m, n, r0, columnBase + tx, c00, c01, c02, c03, epilogue);
        Store(c, bias, residual, m, n, r0 + 1, columnBase + tx, c10, c11, c12, c13, epilogue);
        Store(c, bias, residual, m, n, r0 + 2, columnBase + tx, c20, c21, c22, c23, epilogue);
        Store(c, bias, residual, m, n, r0 + 3, columnBase + tx, c30, c31, c32, c33, epilogue);
    }

    /// <summary>A[row, column], 0 outside the matrix (edges and the slice past the last).</summary>
    static float LoadA(ArrayView<float> a, int m, int k, int row, int column) =>
        row < m && column < k ? a[(long)row * k + column] : 0f;

    static float LoadB<TWeights>(TWeights b, int k, int n, int row, int column) where TWeights : struct, IWeights =>
        row < k && column < n ? b.Read((long)row * n + column) : 0f;

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
        if (epilogue == (int)Activation.Gelu) value = DeviceMath.Gelu(value);
        else if (epilogue == (int)Activation.SiLU) value = DeviceMath.SiLU(value);
        long index = (long)row * n + column;
        if (residual.Length > 0) value += residual[index];
        c[index] = value;
    }

    /// <summary>Groups of 16 x 16 threads, one per 64 x 64 block of C.</summary>
    public static KernelConfig Config(int m, int n) =>
        new(new Index2D((n + Tile - 1) / Tile, (m + Tile - 1) / Tile), new Index2D(Threads, Threads));
}
