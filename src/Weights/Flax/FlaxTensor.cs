namespace Cacophony.Weights.Flax;

/// <summary>
/// An array in a Flax msgpack checkpoint: one byte range of the mapped file, or several when Flax
/// split a large array into chunks. Nothing is read until asked.
/// </summary>
sealed class FlaxTensor : SourceTensor
{
    // Each read copies at most this many elements at once, so a window always fits a span.
    const int MaxElementsPerRead = 1 << 26;

    readonly MappedFile _file;
    readonly (long Offset, long Elements)[] _regions;

    public IReadOnlyList<(long Offset, long Elements)> Regions => _regions;

    public FlaxTensor(MappedFile file, string name, DType dtype, int[] shape, (long Offset, long Elements)[] regions)
        : base(name, dtype, shape)
    {
        _file = file;
        _regions = regions;
    }

    public override void ReadFloat32(long start, Span<float> destination)
    {
        if (start < 0 || start + destination.Length > ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{Name}: elements [{start}, {start + destination.Length}) outside {ElementCount}");
        int size = DType.Size();
        long regionStart = 0;
        foreach (var (offset, elements) in _regions)
        {
            long from = Math.Max(start, regionStart);
            long to = Math.Min(start + destination.Length, regionStart + elements);
            for (long e = from; e < to; e += MaxElementsPerRead)
            {
                int count = (int)Math.Min(MaxElementsPerRead, to - e);
                var bytes = _file.Span(offset + (e - regionStart) * size, count * size);
                ElementConversion.ToFloat32(DType, bytes, destination.Slice((int)(e - start), count));
            }
            regionStart += elements;
        }
    }
}
