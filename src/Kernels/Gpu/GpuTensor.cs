using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>A tensor in an accelerator's memory.</summary>
sealed class GpuTensor(MemoryBuffer1D<float, Stride1D.Dense> buffer, long length) : Tensor
{
    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;

    public override long Length { get; } = length;

    /// <summary>The view's values on the device (to the end of the tensor when `toEnd`: kernels bound their own reads).</summary>
    public static ArrayView<float> Of(TensorView view, bool toEnd = false)
    {
        var tensor = view.Tensor as GpuTensor ?? throw new ArgumentException("a tensor of another backend");
        long length = toEnd ? tensor.Length - view.Start : view.Length;
        return tensor.Buffer.View.SubView(view.Start, Math.Max(0, length));
    }

    public override void Dispose() => Buffer.Dispose();
}
