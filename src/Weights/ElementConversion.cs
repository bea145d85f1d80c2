using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Cacophony.Weights;

/// <summary>
/// Little-endian element bytes to and from float32. Widening (f16, bf16 -> f32) is exact;
/// narrowing rounds to nearest even, as numpy and PyTorch do.
/// </summary>
public static class ElementConversion
{
    public static void ToFloat32(DType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case DType.Float32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case DType.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)halves[i];
                break;
            case DType.BFloat16:
                var raw = MemoryMarshal.Cast<byte, ushort>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                break;
            case DType.Float64:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
            case DType.Int32:
                var ints = MemoryMarshal.Cast<byte, int>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = ints[i];
                break;
            case DType.Int8:
                var bytes = MemoryMarshal.Cast<byte, sbyte>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = bytes[i];
                break;
            case DType.Int64:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype));
        }
    }

    public static void FromFloat32(ReadOnlySpan<float> source, DType dtype, Span<byte> destination)
    {
        switch (dtype)
        {
            case DType.Float32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case DType.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (int i = 0; i < source.Length; i++) halves[i] = (Half)source[i];
                break;
            case DType.BFloat16:
                var raw = MemoryMarshal.Cast<byte, ushort>(destination);
                for (int i = 0; i < source.Length; i++) raw[i] = ToBFloat16Bits(source[i]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), $"cannot store weights as {dtype}");
        }
    }

    /// <summary>float32 -> bfloat16 with round-to-nearest-even; NaN stays a quiet NaN.</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
