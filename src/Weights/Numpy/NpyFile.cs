using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Cacophony.Weights.Numpy;

/// <summary>An array read from a .npy file: float32 or int32 values and the shape.</summary>
public sealed record NpyArray(int[] Shape, float[]? Float32, int[]? Int32)
{
    public long ElementCount => TensorShape.ElementCount(Shape);
}

/// <summary>
/// NumPy's .npy format (version 1.0 written; 1.0-3.0 read): magic "\x93NUMPY", version, a little-endian
/// header length, a Python-dict header {'descr', 'fortran_order', 'shape'} padded with spaces to a
/// multiple of 64 bytes, then C-order data. We write little-endian float32 ('&lt;f4') and int32 ('&lt;i4').
/// </summary>
public static partial class NpyFile
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, ReadOnlySpan<float> values, params int[] shape) => Write(path, "<f4", MemoryMarshal.AsBytes(values), values.Length, shape);

    public static void Write(string path, ReadOnlySpan<int> values, params int[] shape) => Write(path, "<i4", MemoryMarshal.AsBytes(values), values.Length, shape);

    static void Write(string path, string descr, ReadOnlySpan<byte> data, long count, int[] shape)
    {
        if (TensorShape.ElementCount(shape) != count) throw new ArgumentException($"{count} values for shape {TensorShape.Format(shape)}");
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(Magic);
        stream.Write([1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
    }

    public static NpyArray Read(string path)
    {
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : throw new CheckpointException(path, "file not found");
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw new CheckpointException(path, "not a .npy file");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        string header = Encoding.Latin1.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success) throw new CheckpointException(path, $"unreadable .npy header: {header.Trim()}");
        if (header.Contains("'fortran_order': True")) throw new CheckpointException(path, "Fortran-order .npy files are not supported");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        long count = TensorShape.ElementCount(shape);
        var data = bytes.AsSpan(dataStart);
        return descr.Groups[1].Value switch
        {
            "<f4" when data.Length == count * 4 => new NpyArray(shape, MemoryMarshal.Cast<byte, float>(data).ToArray(), null),
            "<i4" when data.Length == count * 4 => new NpyArray(shape, null, MemoryMarshal.Cast<byte, int>(data).ToArray()),
            "<i8" when data.Length == count * 8 => new NpyArray(shape, null, MemoryMarshal.Cast<byte, long>(data).ToArray().Select(v => checked((int)v)).ToArray()),
            var other => throw new CheckpointException(path, $"unsupported .npy dtype {other} or wrong data length ({data.Length} bytes for shape {TensorShape.Format(shape)})"),
        };
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
