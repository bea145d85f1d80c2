using Cacophony.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The keys and values one self-attention layer has seen, for one sequence, on the device (rows of `width`),
/// appended from the fused q|k|v block by <see cref="GpuKernels.CopyRows"/>; capacity doubles when full.
/// </summary>
public sealed class GpuKvCache : IDisposable
{
    readonly GpuDevice _device;
    readonly int _width;
    MemoryBuffer1D<float, Stride1D.Dense> _keys, _values;
    int _capacity;

    public int Length { get; private set; }

    public GpuKvCache(GpuDevice device, int width, int capacity = 32)
    {
        _device = device;
        _width = width;
        _capacity = Math.Max(1, capacity);
        _keys = device.Accelerator.Allocate1D<float>((long)_capacity * width);
        _values = device.Accelerator.Allocate1D<float>((long)_capacity * width);
    }

    public ArrayView<float> Keys => _keys.View;
    public ArrayView<float> Values => _values.View;

    /// <summary>Appends the k and v of `rows` rows of a fused q|k|v block (row stride 3 x width).</summary>
    public void AppendFromQkv(ArrayView<float> qkv, int rows)
    {
        Reserve(Length + rows);
        var kernels = _device.Kernels;
        kernels.CopyRows(qkv.From(_width), 3 * _width, _keys.View.From((long)Length * _width), rows, _width);
        kernels.CopyRows(qkv.From(2 * _width), 3 * _width, _values.View.From((long)Length * _width), rows, _width);
        Length += rows;
    }

    public GpuKvCache Clone()
    {
        var copy = new GpuKvCache(_device, _width, _capacity) { Length = Length };
        _device.Kernels.CopyRows(_keys.View, _width, copy._keys.View, Length, _width);
        _device.Kernels.CopyRows(_values.View, _width, copy._values.View, Length, _width);
        return copy;
    }

    void Reserve(int rows)
    {
        if (rows <= _capacity) return;
        int capacity = Math.Max(rows, 2 * _capacity);
        var keys = _device.Accelerator.Allocate1D<float>((long)capacity * _width);
        var values = _device.Accelerator.Allocate1D<float>((long)capacity * _width);
        _device.Kernels.CopyRows(_keys.View, _width, keys.View, Length, _width);
        _device.Kernels.CopyRows(_values.View, _width, values.View, Length, _width);
        _device.Accelerator.Synchronize();
        _keys.Dispose();
        _values.Dispose();
        (_keys, _values, _capacity) = (keys, values, capacity);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
