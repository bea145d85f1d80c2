using Cacophony.Kernels;

namespace Cacophony.Model.Captioning;

/// <summary>
/// The keys and values one self-attention layer has seen so far for one sequence, rows of `width` values on
/// the backend, appended from the fused q|k|v block as tokens are decoded (so each step computes only the
/// new token's row); capacity doubles when full.
/// </summary>
sealed class KvCache : IDisposable
{
    readonly IComputeBackend _backend;
    readonly int _width;
    Tensor _keys, _values;
    int _capacity;

    public int Length { get; private set; }

    public KvCache(IComputeBackend backend, int width, int capacity = 16)
    {
        _backend = backend;
        _width = width;
        _capacity = Math.Max(1, capacity);
        _keys = backend.Allocate((long)_capacity * width);
        _values = backend.Allocate((long)_capacity * width);
    }

    public TensorView Keys => _keys.View;
    public TensorView Values => _values.View;

    /// <summary>Appends `rows` key and value rows read from a fused q|k|v block (row stride 3 x width).</summary>
    public void AppendFromQkv(TensorView qkv, int rows)
    {
        Reserve(Length + rows);
        _backend.CopyRows(qkv.From(_width), 3 * _width, _keys.From((long)Length * _width), _width, rows, _width);
        _backend.CopyRows(qkv.From(2 * _width), 3 * _width, _values.From((long)Length * _width), _width, rows, _width);
        Length += rows;
    }

    /// <summary>An independent copy (a beam that continues from this one).</summary>
    public KvCache Clone()
    {
        var copy = new KvCache(_backend, _width, Length + 16) { Length = Length };
        _backend.CopyRows(_keys, _width, copy._keys, _width, Length, _width);
        _backend.CopyRows(_values, _width, copy._values, _width, Length, _width);
        return copy;
    }

    void Reserve(int rows)
    {
        if (rows <= _capacity) return;
        int capacity = Math.Max(rows, 2 * _capacity);
        var keys = _backend.Allocate((long)capacity * _width);
        var values = _backend.Allocate((long)capacity * _width);
        _backend.CopyRows(_keys, _width, keys, _width, Length, _width);
        _backend.CopyRows(_values, _width, values, _width, Length, _width);
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
