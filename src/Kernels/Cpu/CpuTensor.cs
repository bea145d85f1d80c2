using System.Buffers;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// A tensor of the CPU engine: a managed array. Work buffers are rented from the shared array pool and given
/// back on Dispose, so a pass after the first allocates little (fresh large arrays cost page faults on first
/// touch and gen-2 collections); their contents are undefined until written.
/// </summary>
sealed class CpuTensor(float[] array, long length, bool pooled) : Tensor
{
    float[]? _array = array;

    public override long Length { get; } = length;

    public float[] Array => _array ?? throw new ObjectDisposedException(nameof(CpuTensor));

    public static CpuTensor Rent(long length) => new(ArrayPool<float>.Shared.Rent(checked((int)Math.Max(1, length))), length, pooled: true);

    public static Span<float> Span(TensorView view) => Own(view).Array.AsSpan(checked((int)view.Start), checked((int)view.Length));

    /// <summary>The view's values up to the end of its tensor (the CPU kernels bound what they read by their shapes).</summary>
    public static Span<float> Rest(TensorView view) => Own(view).Array.AsSpan(checked((int)view.Start), checked((int)(view.Tensor.Length - view.Start)));

    static CpuTensor Own(TensorView view) => view.Tensor as CpuTensor ?? throw new ArgumentException("a tensor of another backend");

    public override void Dispose()
    {
        if (pooled && _array is { } array) ArrayPool<float>.Shared.Return(array);
        _array = null;
    }
}
