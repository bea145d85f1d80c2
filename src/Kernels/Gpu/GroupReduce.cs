using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// A group's sum or maximum of one value per thread, seen by every thread: a shared-memory tree over the
/// group's threads (a power of two), pairwise so float32 sums stay accurate to a few ulps. No warp shuffles:
/// they do not compile on ILGPU's OpenCL backend for every device. `partial` holds one float per thread.
/// </summary>
public static class GroupReduce
{
    public static float Sum(ArrayView<float> partial, int lane, float value) => Reduce(partial, lane, value, maximum: false);

    public static float Max(ArrayView<float> partial, int lane, float value) => Reduce(partial, lane, value, maximum: true);

    static float Reduce(ArrayView<float> partial, int lane, float value, bool maximum)
    {
        partial[lane] = value;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride /= 2)
        {
            if (lane < stride) partial[lane] = maximum ? MathF.Max(partial[lane], partial[lane + stride]) : partial[lane] + partial[lane + stride];
            Group.Barrier();
        }
        float result = partial[0];
        Group.Barrier();
        return result;
    }
}
