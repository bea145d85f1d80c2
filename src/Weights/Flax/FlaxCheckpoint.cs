using System.Buffers;
using MessagePack;

namespace Cacophony.Weights.Flax;

/// <summary>
/// Reads a checkpoint written by flax.serialization (Cacophony.ckpt, AudioMAE.ckpt): a msgpack map
/// tree whose leaves are ext type 1 (ndarray) or 3 (numpy scalar), each an embedded msgpack
/// [shape, dtype name, C-order bytes]. Arrays over 1 GiB are split by Flax into
/// <c>{"__msgpack_chunked_array__": true, "shape": {"0": ..}, "chunks": {"0": ndarray, ..}}</c>;
/// tuples are maps keyed "0", "1", .... Tensors are named by their '/'-joined path below the
/// parameters (<c>state["0"]["params"]</c> when the file has that nesting).
/// </summary>
public sealed class FlaxCheckpoint : IDisposable
{
    const sbyte NdArrayExt = 1;
    const sbyte NumpyScalarExt = 3;
    const string ChunkedMarker = "__msgpack_chunked_array__";

    readonly MappedFile _file;

    public string Path => _file.Path;
    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    FlaxCheckpoint(MappedFile file, Dictionary<string, SourceTensor> tensors)
    {
        _file = file;
        Tensors = tensors;
    }

    /// <summary>True when the file starts like a msgpack map (the root of every Flax checkpoint).</summary>
    public static bool LooksLikeFlax(ReadOnlySpan<byte> head) =>
        head.Length > 0 && (head[0] is >= 0x80 and <= 0x8f or 0xde or 0xdf);

    public static FlaxCheckpoint Open(string path)
    {
        var file = new MappedFile(path);
        try
        {
            if (!LooksLikeFlax(file.Span(0, 1)))
                throw new CheckpointException(path, $"not a Flax msgpack checkpoint (starts with byte 0x{file.Span(0, 1)[0]:x2}, expected a msgpack map)");
            var reader = new MessagePackReader(file.Sequence);
            var tree = new TreeReader(file);
            object root;
            try
            {
                root = tree.ReadValue(ref reader, "");
            }
            catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or OverflowException or ArgumentException)
            {
                throw new CheckpointException(path, tree.Current, $"truncated or corrupt msgpack near byte {reader.Consumed}: {e.Message}");
            }
            if (reader.Consumed != file.Length)
                throw new CheckpointException(path, $"{file.Length - reader.Consumed} unexpected bytes after the msgpack tree ends at byte {reader.Consumed}");
            var tensors = new Dictionary<string, SourceTensor>(StringComparer.Ordinal);
            Flatten(ParamsOf(root), "", tensors);
            if (tensors.Count == 0) throw new CheckpointException(path, "the checkpoint holds no arrays");
            return new FlaxCheckpoint(file, tensors);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>flax.training.checkpoints saves {"0": {"params": ..., "step": ...}}; accept the bare tree too.</summary>
    static object ParamsOf(object root)
    {
        var node = root;
        if (node is Dictionary<string, object> top && top.Count == 1 && top.TryGetValue("0", out var state)) node = state;
        if (node is Dictionary<string, object> withParams && withParams.TryGetValue("params", out var parameters)) node = parameters;
        return node;
    }

    static void Flatten(object node, string prefix, Dictionary<string, SourceTensor> into)
    {
        if (node is SourceTensor tensor) into[prefix] = tensor;
        else if (node is Dictionary<string, object> map)
            foreach (var (key, value) in map) Flatten(value, prefix.Length == 0 ? key : prefix + "/" + key, into);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>One pass over the msgpack tree; array leaves become <see cref="FlaxTensor"/>s pointing into the file.</summary>
    sealed class TreeReader(MappedFile file)
    {
        /// <summary>The path being read, for the error message when the bytes run out or make no sense.</summary>
        public string? Current { get; private set; }

        /// <summary>
        /// How deep maps and arrays may nest. A Flax parameter tree is about ten levels deep; the limit keeps a file
        /// of nested headers from exhausting the stack (recursion) or memory (the paths grow with the depth).
        /// </summary>
        public const int MaxDepth = 64;

        public object ReadValue(ref MessagePackReader reader, string path, int depth = 0)
        {
            Current = path.Length == 0 ? null : path;
            if (depth > MaxDepth) throw new CheckpointException(file.Path, path, $"maps and arrays nest deeper than {MaxDepth} levels (not a parameter tree)");
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    return ReadMap(ref reader, path, depth);
                case MessagePackType.Extension:
                    return ReadExtension(ref reader, path);
                case MessagePackType.Array:
                    int count = reader.ReadArrayHeader(); // MessagePackReader refuses a count the bytes left cannot hold
                    var list = new Dictionary<string, object>(StringComparer.Ordinal);
                    for (int i = 0; i < count; i++) list[i.ToString()] = ReadValue(ref reader, Join(path, i.ToString()), depth + 1);
                    return list;
                case MessagePackType.String:
                    return reader.ReadString() ?? "";
                case MessagePackType.Boolean:
                    return reader.ReadBoolean();
                case MessagePackType.Integer:
                    return reader.ReadInt64();
                case MessagePackType.Float:
                    return reader.ReadDouble();
                case MessagePackType.Nil:
                    reader.ReadNil();
                    return Nil.Value;
                default:
                    reader.Skip();
                    return Nil.Value;
            }
        }

        object ReadMap(ref MessagePackReader reader, string path, int depth)
        {
            int count = reader.ReadMapHeader();
            var map = new Dictionary<string, object>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                string key = reader.NextMessagePackType switch
                {
                    MessagePackType.String => reader.ReadString() ?? "",
                    MessagePackType.Integer => reader.ReadInt64().ToString(),
                    _ => throw new CheckpointException(file.Path, path, $"map key of type {reader.NextMessagePackType} (expected a string)"),
                };
                if (map.ContainsKey(key)) throw new CheckpointException(file.Path, Join(path, key), "is named twice in its map");
                map[key] = ReadValue(ref reader, Join(path, key), depth + 1);
            }
            return map.ContainsKey(ChunkedMarker) ? Unchunk(map, path) : map;
        }

        object ReadExtension(ref MessagePackReader reader, string path)
        {
            var header = reader.ReadExtensionFormatHeader();
            if (header.TypeCode is not (NdArrayExt or NumpyScalarExt))
            {
                reader.ReadRaw(header.Length);
                return Nil.Value;
            }
            long payloadStart = reader.Consumed;
            if (reader.ReadArrayHeader() != 3) throw Corrupt(path, "ndarray payload is not [shape, dtype, data]");
            int rank = reader.ReadArrayHeader();
            var shape = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                long d = reader.ReadInt64();
                if (d < 0 || d > int.MaxValue) throw Corrupt(path, $"dimension {d} out of range");
                shape[i] = (int)d;
            }
            string dtypeName = reader.ReadString() ?? "";
            var data = reader.ReadBytes() ?? throw Corrupt(path, "ndarray has no data");
            long dataOffset = reader.Consumed - data.Length;
            if (reader.Consumed - payloadStart != header.Length) throw Corrupt(path, "ndarray payload length does not match its extension header");
            var dtype = DTypes.FromNumpyName(dtypeName)
                ?? throw new CheckpointException(file.Path, path, $"unsupported dtype '{dtypeName}' (supported: float32, float16, bfloat16, float64, int32, int64)");
            long elements = TensorShape.ElementCount(shape);
            if (elements * dtype.Size() != data.Length)
                throw Corrupt(path, $"{data.Length} data bytes for shape {TensorShape.Format(shape)} of {dtypeName} (expected {elements * dtype.Size()})");
            return new FlaxTensor(file, path, dtype, shape, [(dataOffset, elements)]);
        }

        FlaxTensor Unchunk(Dictionary<string, object> map, string path)
        {
            if (map.GetValueOrDefault("shape") is not Dictionary<string, object> shapeMap || map.GetValueOrDefault("chunks") is not Dictionary<string, object> chunkMap)
                throw Corrupt(path, "chunked array without 'shape' and 'chunks'");
            var shape = new int[shapeMap.Count];
            for (int i = 0; i < shape.Length; i++)
                shape[i] = shapeMap.GetValueOrDefault(i.ToString()) is long d and >= 0 and <= int.MaxValue ? (int)d : throw Corrupt(path, $"chunked array shape entry {i} missing or invalid");
            var regions = new List<(long, long)>();
            DType? dtype = null;
            long total = 0;
            for (int i = 0; i < chunkMap.Count; i++)
            {
                if (chunkMap.GetValueOrDefault(i.ToString()) is not FlaxTensor chunk) throw Corrupt(path, $"chunk {i} missing or not an array");
                if (dtype is not null && chunk.DType != dtype) throw Corrupt(path, "chunks of different dtypes");
                dtype = chunk.DType;
                regions.AddRange(chunk.Regions);
                total += chunk.ElementCount;
            }
            if (dtype is null || total != TensorShape.ElementCount(shape))
                throw Corrupt(path, $"chunks hold {total} elements, shape {TensorShape.Format(shape)} needs {TensorShape.ElementCount(shape)}");
            return new FlaxTensor(file, path, dtype.Value, shape, [.. regions]);
        }

        CheckpointException Corrupt(string path, string problem) => new(file.Path, path, problem);

        static string Join(string path, string key) => path.Length == 0 ? key : path + "/" + key;
    }

    sealed class Nil
    {
        public static readonly Nil Value = new();
    }
}
