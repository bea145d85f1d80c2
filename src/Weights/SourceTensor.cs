namespace Cacophony.Weights;

/// <summary>
/// A tensor as a checkpoint stores it: its name in that file, element type and shape, and a way to
/// read any contiguous range of its elements (C order) as float32. The data stays where it is
/// (a mapped file, a zip entry) until read.
/// </summary>
public abstract class SourceTensor
{
    protected SourceTensor(string name, DType dtype, int[] shape)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
    }

    public string Name { get; }
    public DType DType { get; }
    public int[] Shape { get; }
    public long ElementCount => TensorShape.ElementCount(Shape);

    /// <summary>Reads elements [start, start + destination.Length) converted to float32.</summary>
    public abstract void ReadFloat32(long start, Span<float> destination);

    /// <summary>Reads elements [start, start + destination.Length) of an int8 tensor as stored.</summary>
    public virtual void ReadInt8(long start, Span<sbyte> destination) =>
        throw new NotSupportedException($"{Name} is {DType}, not int8");

    public float[] ReadAllFloat32()
    {
        var result = new float[checked((int)ElementCount)];
        ReadFloat32(0, result);
        return result;
    }

    public override string ToString() => $"{Name} {DType} {TensorShape.Format(Shape)}";
}
