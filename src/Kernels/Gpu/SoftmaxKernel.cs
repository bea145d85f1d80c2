using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// x = softmax(scale * x) per row of `width` values, in place: one group per row, the maximum and the sum by
/// shared-memory tree reductions (<see cref="GroupReduce"/>), exp(scale (x - max)).
/// </summary>
public static class SoftmaxKernel
{
    public static void Run(ArrayView<float> x, int width, float scale)
    {
        var partial = SharedMemory.Allocate<float>(LayerNormKernel.MaxThreads);
        int row = Grid.IdxX, lane = Group.IdxX, threads = Group.DimX;
        long offset = (long)row * width;
        float max = float.NegativeInfinity;
        for (int i = lane; i < width; i += threads) max = MathF.Max(max, x[offset + i]);
        max = GroupReduce.Max(partial, lane, max);
        float sum = 0;
        for (int i = lane; i < width; i += threads)
        {
            float e = MathF.Exp(scale * (x[offset + i] - max));
            x[offset + i] = e;
            sum += e;
        }
        float inverse = 1f / GroupReduce.Sum(partial, lane, sum);
        for (int i = lane; i < width; i += threads) x[offset + i] *= inverse;
    }
}
