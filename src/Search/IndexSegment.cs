using System.Runtime.InteropServices;

namespace Cacophony.Search;

/// <summary>
/// One files record of an open index: its files, where each file's windows start, and its vector block in the
/// memory map. A file superseded by a later record (or removed) is not <see cref="Live"/>; its vectors stay in
/// the block until the index is compacted, and search skips them.
/// </summary>
sealed unsafe class IndexSegment
{
    public required IndexedFile[] Files { get; init; }

    /// <summary>First window of each file, and the total at the end (Files.Length + 1 entries).</summary>
    public required int[] FirstWindow { get; init; }

    public required bool[] Live { get; init; }

    /// <summary>The vector block: windows x dimension float32, or int8 rows then float32 scales.</summary>
    public required byte* Vectors { get; init; }

    public required int Dimension { get; init; }
    public required VectorStorage Storage { get; init; }

    /// <summary>Index of this segment's first window among all the windows of the index.</summary>
    public int Base { get; set; }

    public int Windows => FirstWindow[^1];

    public float* FloatRows => (float*)Vectors;
    public sbyte* Int8Rows => (sbyte*)Vectors;
    public float* Scales => (float*)(Vectors + IndexLayout.Align((long)Windows * Dimension));

    /// <summary>A window's vector as float32 (dequantized in a compact index).</summary>
    public void Read(int window, Span<float> into)
    {
        if (Storage == VectorStorage.Float32)
        {
            new ReadOnlySpan<float>(FloatRows + (long)window * Dimension, Dimension).CopyTo(into);
            return;
        }
        var q = new ReadOnlySpan<sbyte>(Int8Rows + (long)window * Dimension, Dimension);
        float scale = Scales[window];
        for (int i = 0; i < Dimension; i++) into[i] = q[i] * scale;
    }

    /// <summary>A window's stored int8 vector and its scale (a compact index only).</summary>
    public ReadOnlySpan<sbyte> Int8(int window, out float scale)
    {
        scale = Scales[window];
        return new ReadOnlySpan<sbyte>(Int8Rows + (long)window * Dimension, Dimension);
    }

    public ReadOnlySpan<byte> Float32Bytes(int window) =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<float>(FloatRows + (long)window * Dimension, Dimension));
}
