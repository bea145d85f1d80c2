namespace Cacophony.Model.Captioning;

/// <summary>
/// The keys and values one self-attention layer has seen so far for one sequence, rows of `width`
/// floats, grown as tokens are decoded so that each step computes only the new token's row.
/// </summary>
public sealed class KvCache
{
    readonly int _width;
    float[] _keys, _values;

    public int Length { get; private set; }

    public KvCache(int width, int capacity = 16)
    {
        _width = width;
        _keys = new float[Math.Max(1, capacity) * width];
        _values = new float[Math.Max(1, capacity) * width];
    }

    public ReadOnlySpan<float> Keys => _keys.AsSpan(0, Length * _width);
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Length * _width);

    /// <summary>Appends `rows` key and value rows read from a fused q|k|v block (row stride 3 x width).</summary>
    public void AppendFromQkv(ReadOnlySpan<float> qkv, int rows)
    {
        int needed = (Length + rows) * _width;
        if (needed > _keys.Length)
        {
            int capacity = Math.Max(needed, 2 * _keys.Length);
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _values, capacity);
        }
        for (int r = 0; r < rows; r++)
        {
            qkv.Slice(r * 3 * _width + _width, _width).CopyTo(_keys.AsSpan((Length + r) * _width));
            qkv.Slice(r * 3 * _width + 2 * _width, _width).CopyTo(_values.AsSpan((Length + r) * _width));
        }
        Length += rows;
    }

    /// <summary>An independent copy (a beam that continues from this one).</summary>
    public KvCache Clone()
    {
        var copy = new KvCache(_width, Length + 16) { Length = Length };
        Keys.CopyTo(copy._keys);
        Values.CopyTo(copy._values);
        return copy;
    }
}
