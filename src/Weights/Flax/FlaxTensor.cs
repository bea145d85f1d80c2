namespace Cacophony.Weights.Flax;

/// <summary>
/// An array in a Flax msgpack checkpoint: one byte range of the mapped file, or several when Flax
/// split a large array into chunks. Nothing is read until asked.
/// </summary>
sealed class FlaxTensor : SourceTensor
{
    // Types other than float32 are converted through a buffer of this many elements.
    const int ConversionBlock = 1 << 20;

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
            if (from < to)
                Read(offset + (from - regionStart) * size, destination.Slice((int)(from - start), (int)(to - from)));
            regionStart += elements;
        }
    }

    /// <summary>float32 lands in the destination directly; other types go through a small buffer.</summary>
    void Read(long offset, Span<float> destination)
    {
        if (DType == DType.Float32)
        {
            _file.Read(offset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));
            return;
        }
        int size = DType.Size();
        var buffer = new byte[Math.Min(destination.Length, ConversionBlock) * size];
        for (int done = 0; done < destination.Length; done += ConversionBlock)
        {
            int count = Math.Min(ConversionBlock, destination.Length - done);
            var bytes = buffer.AsSpan(0, count * size);
            _file.Read(offset + (long)done * size, bytes);
            ElementConversion.ToFloat32(DType, bytes, destination.Slice(done, count));
        }
    }
}
