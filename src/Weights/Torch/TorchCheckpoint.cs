using System.IO.Compression;

namespace Cacophony.Weights.Torch;

/// <summary>
/// Reads a state_dict saved by <c>torch.save</c> (the zip format of PyTorch 1.6 and later, Zip64
/// included): <c>&lt;prefix&gt;/data.pkl</c> is the pickled dict, each tensor's bytes live in
/// <c>&lt;prefix&gt;/data/&lt;key&gt;</c>. The pickle may name only the allow-listed globals of
/// <see cref="TorchPickleTypes"/>; nothing is executed. Accepts a bare state_dict or one under
/// "state_dict" / "model_state_dict".
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    readonly ZipArchive _zip;
    readonly string _prefix;
    (string Key, byte[] Bytes)? _lastStorage;

    public string Path { get; }
    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; private set; } = new Dictionary<string, SourceTensor>();

    TorchCheckpoint(string path, ZipArchive zip, string prefix)
    {
        Path = path;
        _zip = zip;
        _prefix = prefix;
    }

    public static bool LooksLikeZip(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;

    /// <summary>The pre-1.6 format: a bare pickle stream (protocol 2) with torch's magic number.</summary>
    public static bool LooksLikeLegacyTorch(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x80 && head[1] <= 5;

    public static TorchCheckpoint Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        var head = new byte[4];
        using (var probe = File.OpenRead(path)) probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (LooksLikeLegacyTorch(head))
            throw new CheckpointException(path, "legacy (pre-1.6, non-zip) PyTorch file; re-save it with torch.save(state_dict, path) from PyTorch 1.6 or later");
        if (!LooksLikeZip(head)) throw new CheckpointException(path, "not a PyTorch zip checkpoint (no 'PK' zip signature)");

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
            // The central directory is read here, not on first use, so that its faults are this one message.
            var duplicate = zip.Entries.GroupBy(e => e.FullName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                zip.Dispose();
                // Readers disagree on which copy counts (torch reads one, .NET another): the file is ambiguous.
                throw new CheckpointException(path, $"zip names the entry '{duplicate.Key}' {duplicate.Count()} times");
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException and not FileNotFoundException)
        {
            throw new CheckpointException(path, $"corrupt or truncated zip: {e.Message}");
        }
        try
        {
            var pickleEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new CheckpointException(path, "zip has no <name>/data.pkl: not a torch.save file");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            if (zip.GetEntry(prefix + "constants.pkl") is not null)
                throw new CheckpointException(path, "this is a TorchScript archive; save the state_dict with torch.save(model.state_dict(), path)");
            if (zip.GetEntry(prefix + "byteorder") is { } order && ReadAll(path, order) is var bytes && System.Text.Encoding.ASCII.GetString(bytes).Trim() != "little")
                throw new CheckpointException(path, "big-endian checkpoints are not supported");
            var checkpoint = new TorchCheckpoint(path, zip, prefix);
            checkpoint.Tensors = checkpoint.ReadStateDict(ReadAll(path, pickleEntry));
            return checkpoint;
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    Dictionary<string, SourceTensor> ReadStateDict(byte[] pickle)
    {
        string pickleName = _prefix + "data.pkl";
        object? root;
        try
        {
            root = new StateDictUnpickler(pickle, Storage).Load();
        }
        catch (DisallowedGlobalException e)
        {
            throw new CheckpointException(Path, $"{pickleName} names the Python global '{e.Global}', which is not on the allow-list of a state_dict (tensors, storages, OrderedDict); nothing was run");
        }
        catch (FormatException e)
        {
            throw new CheckpointException(Path, $"{pickleName} cannot be unpickled as a state_dict: {e.Message}");
        }

        if (root is StateDictUnpickler.Dict top)
            foreach (var key in new[] { "state_dict", "model_state_dict" })
                if (top.Items.LastOrDefault(i => i.Key as string == key).Value is StateDictUnpickler.Dict nested) root = nested;
        if (root is not StateDictUnpickler.Dict stateDict) throw new CheckpointException(Path, $"{pickleName} holds a {root?.GetType().Name ?? "None"}, not a state_dict");

        var tensors = new Dictionary<string, SourceTensor>(StringComparer.Ordinal);
        foreach (var (key, value) in stateDict.Items)
        {
            string name = key as string ?? throw new CheckpointException(Path, $"state_dict key {key ?? "None"} is not a string");
            if (value is not TorchPickleTypes.TensorRecord record)
                throw new CheckpointException(Path, name, $"is a {value?.GetType().Name ?? "None"}, not a tensor");
            if (!tensors.TryAdd(name, new TorchTensor(this, name, record)))
                throw new CheckpointException(Path, name, "is named twice in the state_dict");
        }
        if (tensors.Count == 0) throw new CheckpointException(Path, "the state_dict holds no tensors");
        return tensors;
    }

    /// <summary>A storage's bytes; the last one is kept because consecutive reads often share it (q, k, v of in_proj).</summary>
    internal byte[] StorageBytes(TorchPickleTypes.Storage storage)
    {
        if (_lastStorage is { } cached && cached.Key == storage.Key) return cached.Bytes;
        string entryName = _prefix + "data/" + storage.Key;
        var entry = _zip.GetEntry(entryName) ?? throw new CheckpointException(Path, $"storage '{entryName}' is missing from the zip");
        if (storage.ElementCount > Array.MaxLength / storage.DType.Size())
            throw new CheckpointException(Path, $"storage '{entryName}' of {storage.ElementCount} elements is larger than 2 GB, which is not supported");
        long expected = storage.ElementCount * storage.DType.Size();
        if (entry.Length < expected) throw new CheckpointException(Path, $"storage '{entryName}' holds {entry.Length} bytes, {expected} expected");
        var bytes = ReadAll(Path, entry);
        _lastStorage = (storage.Key, bytes);
        return bytes;
    }

    static byte[] ReadAll(string path, ZipArchiveEntry entry)
    {
        try
        {
            using var stream = entry.Open();
            var bytes = new byte[entry.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new CheckpointException(path, $"zip entry '{entry.FullName}' is truncated or corrupt: {e.Message}");
        }
    }

    public void Dispose() => _zip.Dispose();

    /// <summary>A persistent id ('storage', StorageType, key, location, numel) as the storage it names.</summary>
    static TorchPickleTypes.Storage Storage(object?[] pid)
    {
        if (pid is not ["storage", TorchPickleTypes.StorageType type, string key, string, long count] || count < 0)
            throw new FormatException("a persistent id that is not ('storage', type, key, location, numel)");
        return new TorchPickleTypes.Storage(key, type.DType, count);
    }
}
