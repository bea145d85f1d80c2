using Cacophony.Weights.Quantization;

namespace Cacophony.Weights.Canonical;

/// <summary>A canonical tensor found in a checkpoint, ready to be read in the canonical layout.</summary>
public sealed class BoundTensor(WeightMapping mapping, SourceTensor source)
{
    public string Name => mapping.Name;
    public int[] Shape => mapping.Shape;
    public long ElementCount => mapping.ElementCount;
    public SourceTensor Source => source;
    public SourceRef Ref => mapping.Source;

    /// <summary>Where the tensor may be stored as int8: the axis of its quantization channels (<see cref="WeightMapping.ChannelAxis"/>).</summary>
    public int? ChannelAxis => mapping.ChannelAxis;

    /// <summary>The int8 values and scales, where the file stores this tensor quantized (model directories only, never transposed).</summary>
    public QuantizedTensor? Quantized => source as QuantizedTensor;

    public void ReadInto(Span<float> destination)
    {
        if (destination.Length != ElementCount) throw new ArgumentException($"{Name}: {destination.Length} elements for {ElementCount}");
        if (!Ref.Transpose)
        {
            source.ReadFloat32(Ref.Start, destination);
            return;
        }
        // The source holds the (out, in) block: read it, then write its transpose (in, out).
        int rows = Shape[0], cols = Shape[1];
        var block = new float[destination.Length];
        source.ReadFloat32(Ref.Start, block);
        for (int r = 0; r < cols; r++)
            for (int c = 0; c < rows; c++)
                destination[c * cols + r] = block[r * rows + c];
    }

    /// <summary>Elements [start, start + destination.Length) in the canonical (flattened) order.</summary>
    public void ReadRange(long start, Span<float> destination)
    {
        if (start < 0 || start + destination.Length > ElementCount) throw new ArgumentException($"{Name}: elements [{start}, {start + destination.Length}) outside its {ElementCount}");
        if (Ref.Transpose) throw new NotSupportedException($"{Name}: a range of a transposed tensor");
        source.ReadFloat32(Ref.Start + start, destination);
    }

    public float[] Read()
    {
        var result = new float[checked((int)ElementCount)];
        ReadInto(result);
        return result;
    }
}
