using Cacophony.Kernels;

namespace Cacophony.Model.Layers;

/// <summary>
/// An embedding table (rows x width) whose rows are read on demand. From a model file nothing is copied at
/// load: RoBERTa's word table is 50,265 x 768 (154 MB), and a text needs a few dozen of its rows (copying
/// it whole was ~150 ms of page faults and reads before the first text embedding). Weights made in memory
/// are kept as one array.
/// </summary>
public sealed class EmbeddingTable : IRowSource
{
    readonly IWeightSource _source;
    readonly string _name;
    readonly float[]? _values;

    public int Rows { get; }
    public int Width { get; }

    public EmbeddingTable(IWeightSource source, string name)
    {
        var shape = source.Shape(name);
        if (shape.Length != 2) throw new ArgumentException($"{name} is not a table (shape of rank {shape.Length})");
        (_source, _name, Rows, Width) = (source, name, shape[0], shape[1]);
        _values = source.ReadsRangesInPlace ? null : source.Read(name);
    }

    /// <summary>Copies row <paramref name="row"/> into the first <see cref="Width"/> values of destination.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"row {row} of {_name}, which has {Rows}");
        if (_values is null) _source.ReadRange(_name, (long)row * Width, destination[..Width]);
        else _values.AsSpan(row * Width, Width).CopyTo(destination);
    }

    public float[] ReadAll() => _values ?? _source.Read(_name);
}
