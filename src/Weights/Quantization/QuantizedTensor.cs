namespace Cacophony.Weights.Quantization;

/// <summary>
/// An int8 tensor of a model file together with its per-channel float32 scales (<see cref="ChannelQuantizer"/>).
/// Read as float32 it gives the dequantized values <c>scale[channel] * q</c>, so every reader of weights (another
/// backend, float32 precision on the CPU) takes an int8 model directory; the CPU engine's int8 path reads q and
/// the scales as they are instead.
/// </summary>
public sealed class QuantizedTensor : SourceTensor
{
    readonly SourceTensor _values;
    readonly float[] _scales;

    public QuantizedTensor(SourceTensor values, float[] scales, int channelAxis) : base(values.Name, DType.Int8, values.Shape)
    {
        if (values.DType != DType.Int8) throw new ArgumentException($"{values.Name} is {values.DType}, not int8");
        if (values.Shape.Length != 2) throw new ArgumentException($"{values.Name}: an int8 tensor must be a matrix");
        if (channelAxis is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(channelAxis));
        if (scales.Length != values.Shape[channelAxis]) throw new ArgumentException($"{values.Name}: {scales.Length} scales for {values.Shape[channelAxis]} channels");
        _values = values;
        _scales = scales;
        ChannelAxis = channelAxis;
    }

    /// <summary>0: one scale per row; 1: one per column (a dense layer's output channels).</summary>
    public int ChannelAxis { get; }

    public ReadOnlySpan<float> Scales => _scales;

    int Columns => Shape[1];

    /// <summary>The stored q values of elements [start, start + destination.Length).</summary>
    public override void ReadInt8(long start, Span<sbyte> destination) => _values.ReadInt8(start, destination);

    public override void ReadFloat32(long start, Span<float> destination)
    {
        var q = new sbyte[destination.Length];
        _values.ReadInt8(start, q);
        for (int i = 0; i < destination.Length; i++)
        {
            long element = start + i;
            float scale = ChannelAxis == 0 ? _scales[element / Columns] : _scales[element % Columns];
            destination[i] = scale * q[i];
        }
    }
}
