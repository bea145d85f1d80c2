using System.Runtime.InteropServices;
using System.Text.Json;

namespace Cacophony.Weights.SafeTensors;

/// <summary>
/// Reads a .safetensors file in place: an 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}</c>, then the data.
/// Tensors are windows of the memory-mapped file; nothing is copied until a caller asks.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    readonly MappedFile _file;
    readonly Dictionary<string, Entry> _entries;
    readonly long _dataStart;

    public string Path => _file.Path;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    SafeTensorsFile(MappedFile file, Dictionary<string, Entry> entries, long dataStart, Dictionary<string, string> metadata)
    {
        _file = file;
        _entries = entries;
        _dataStart = dataStart;
        Metadata = metadata;
        Tensors = entries.ToDictionary(e => e.Key, e => (SourceTensor)new SafeTensor(this, e.Key, e.Value), StringComparer.Ordinal);
    }

    public static SafeTensorsFile Open(string path)
    {
        var file = new MappedFile(path);
        try
        {
            if (file.Length < 8) throw new CheckpointException(path, "too short for a safetensors header");
            long headerLength = BitConverter.ToInt64(file.Span(0, 8));
            if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > file.Length)
                throw new CheckpointException(path, $"not a safetensors file (header length {headerLength} for a file of {file.Length} bytes)");
            var (entries, metadata) = ParseHeader(path, file.Span(8, (int)headerLength));
            long dataStart = 8 + headerLength, dataLength = file.Length - dataStart;
            foreach (var (name, entry) in entries)
            {
                if (!TensorShape.TryElementCount(entry.Shape, out long elements))
                    throw new CheckpointException(path, name, $"shape {TensorShape.Format(entry.Shape)} has a negative dimension or too many elements");
                long expected = elements * entry.DType.Size();
                if (entry.Begin < 0 || entry.End < entry.Begin || entry.End > dataLength)
                    throw new CheckpointException(path, name, $"data_offsets [{entry.Begin}, {entry.End}) lie outside the {dataLength} data bytes (truncated file?)");
                if (entry.End - entry.Begin != expected)
                    throw new CheckpointException(path, name, $"{entry.End - entry.Begin} bytes for shape {TensorShape.Format(entry.Shape)} of {entry.DType.SafeTensorsName()} (expected {expected})");
            }
            RequireContiguous(path, entries, dataLength);
            return new SafeTensorsFile(file, entries, dataStart, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The format's rule: the tensors tile the data buffer exactly, from byte 0 to its end, without a gap, an overlap
    /// or trailing bytes. A file that breaks it was not written by a safetensors writer, and reading it anyway
    /// would hand out shifted or shared weights without a word.
    /// </summary>
    static void RequireContiguous(string path, Dictionary<string, Entry> entries, long dataLength)
    {
        long next = 0;
        string? previous = null;
        foreach (var (name, entry) in entries.OrderBy(e => e.Value.Begin).ThenBy(e => e.Value.End))
        {
            if (entry.Begin < next)
                throw new CheckpointException(path, name, $"data_offsets [{entry.Begin}, {entry.End}) overlap tensor '{previous}', which ends at {next}");
            if (entry.Begin > next)
                throw new CheckpointException(path, name, $"data_offsets start at {entry.Begin}, leaving bytes [{next}, {entry.Begin}) that no tensor owns");
            next = entry.End;
            previous = name;
        }
        if (next != dataLength)
            throw new CheckpointException(path, $"{dataLength - next} bytes of data after the last tensor (the tensors end at {next} of {dataLength})");
    }

    /// <summary>The raw little-endian bytes of a tensor, in place.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var entry = Find(name);
        return _file.Span(_dataStart + entry.Begin, checked((int)(entry.End - entry.Begin)));
    }

    /// <summary>A float32 tensor's elements, in place (no copy).</summary>
    public ReadOnlySpan<float> Float32(string name)
    {
        var entry = Find(name);
        if (entry.DType != DType.Float32) throw new CheckpointException(Path, name, $"is {entry.DType.SafeTensorsName()}, not F32");
        return MemoryMarshal.Cast<byte, float>(Bytes(name));
    }

    Entry Find(string name) => _entries.TryGetValue(name, out var entry) ? entry : throw new CheckpointException(Path, name, "missing");

    public void Dispose() => _file.Dispose();

    static (Dictionary<string, Entry>, Dictionary<string, string>) ParseHeader(string path, ReadOnlySpan<byte> json)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (entries.ContainsKey(property.Name) || (property.Name == "__metadata__" && metadata.Count > 0))
                    throw new CheckpointException(path, property.Name, "is named twice in the header");
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new CheckpointException(path, $"__metadata__ '{m.Name}' is a {m.Value.ValueKind.ToString().ToLowerInvariant()}, and the format allows only strings");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                            throw new CheckpointException(path, $"__metadata__ '{m.Name}' is named twice");
                    }
                    continue;
                }
                var value = property.Value;
                string dtypeName = value.GetProperty("dtype").GetString() ?? "";
                var dtype = DTypes.FromSafeTensorsName(dtypeName) ?? throw new CheckpointException(path, property.Name, $"unsupported dtype {dtypeName}");
                var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (offsets.Length != 2) throw new CheckpointException(path, property.Name, "data_offsets must be [begin, end]");
                entries[property.Name] = new Entry(dtype, shape, offsets[0], offsets[1]);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new CheckpointException(path, $"corrupt safetensors header: {e.Message}");
        }
        return (entries, metadata);
    }

    readonly record struct Entry(DType DType, int[] Shape, long Begin, long End);

    sealed class SafeTensor(SafeTensorsFile owner, string name, Entry entry) : SourceTensor(name, entry.DType, entry.Shape)
    {
        /// <summary>
        /// Copies with pread rather than through the mapping, so that loading a model (which packs every
        /// matrix into its own layout) does not also keep the whole file resident in the process.
        /// </summary>
        public override void ReadFloat32(long start, Span<float> destination)
        {
            int size = DType.Size();
            long offset = owner._dataStart + entry.Begin + start * size;
            if (DType == DType.Float32)
            {
                owner._file.Read(offset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));
                return;
            }
            var bytes = new byte[destination.Length * size];
            owner._file.Read(offset, bytes);
            ElementConversion.ToFloat32(DType, bytes, destination);
        }

        public override void ReadInt8(long start, Span<sbyte> destination)
        {
            if (DType != DType.Int8) base.ReadInt8(start, destination);
            else owner._file.Read(owner._dataStart + entry.Begin + start, System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));
        }
    }
}
