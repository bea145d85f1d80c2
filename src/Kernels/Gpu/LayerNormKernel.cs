using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// y = (x - mean) / sqrt(var + eps) * scale + bias per row of `width` values (y may be x). One group per row
/// (a power of two up to <see cref="MaxThreads"/> threads: 128 on GPUs, 32 on ILGPU's CPU simulator, where
/// every barrier costs a thread switch): each thread sums a strided share, then a shared-memory tree
/// reduction (pairwise, so float32 sums stay accurate to a few ulps); the variance is a second pass over
/// (x - mean)^2.
/// </summary>
public static class LayerNormKernel
{
    public const int MaxThreads = 128;

    public static void Run(ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, int width, float eps)
    {
        var partial = SharedMemory.Allocate<float>(MaxThreads);
        int row = Grid.IdxX, lane = Group.IdxX, threads = Group.DimX;
        long offset = (long)row * width;
        float sum = 0;
        for (int i = lane; i < width; i += threads) sum += x[offset + i];
        float mean = GroupReduce.Sum(partial, lane, sum) / width;
        float squares = 0;
        for (int i = lane; i < width; i += threads)
        {
            float d = x[offset + i] - mean;
            squares += d * d;
        }
        float inverse = 1f / MathF.Sqrt(GroupReduce.Sum(partial, lane, squares) / width + eps);
        for (int i = lane; i < width; i += threads) y[offset + i] = (x[offset + i] - mean) * inverse * scale[i] + bias[i];
    }

    public static KernelConfig Config(int rows, int threads) => new(rows, threads);
}
