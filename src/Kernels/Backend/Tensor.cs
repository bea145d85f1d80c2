namespace Cacophony.Kernels;

/// <summary>
/// Float32 values a compute backend owns: a managed array on the CPU engine, device memory on an accelerator.
/// Only the backend that made a tensor reads or writes it; the host reaches the values through
/// <c>IComputeBackend.Upload</c> and <see cref="IComputeBackend.Download"/>.
/// </summary>
public abstract class Tensor : IDisposable
{
    public abstract long Length { get; }

    public TensorView View => new(this, 0, Length);

    /// <summary>The values from <paramref name="start"/> to the end.</summary>
    public TensorView From(long start) => View.From(start);

    public abstract void Dispose();

    public static implicit operator TensorView(Tensor tensor) => tensor.View;
}

/// <summary>A contiguous range of a <see cref="Tensor"/>: what every backend operation reads and writes.</summary>
public readonly record struct TensorView(Tensor Tensor, long Start, long Length)
{
    public TensorView From(long start) => Slice(start, Length - start);

    public TensorView Slice(long start, long length)
    {
        if (start < 0 || length < 0 || start + length > Length) throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {start + length}) of a view of {Length} values");
        return new(Tensor, Start + start, length);
    }
}
