using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cacophony.Search;

/// <summary>
/// An index file opened for reading: the header, every files record as a segment over the memory map, and which
/// entry is current for each path (a later record replaces an earlier entry of the same path; a removal drops
/// it). A torn last record (a crash while it was written) is ignored: <see cref="ValidLength"/> ends before it.
/// </summary>
sealed unsafe class IndexFile : IDisposable
{
    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    byte* _base;

    public string Path { get; }
    public IndexHeader Header { get; }
    public long FileLength { get; }

    /// <summary>Where the last whole record ends; bytes after it are a torn write, dropped by the next update.</summary>
    public long ValidLength { get; }

    public int Records { get; }
    public IReadOnlyList<IndexSegment> Segments { get; }

    readonly Lazy<Dictionary<string, (IndexSegment Segment, int File)>> _current;
    List<(long Start, long End, ulong Digest)> _sealed = [];

    /// <summary>
    /// The current entry of each key (root:path): its segment and position there. Made on first use when the file is
    /// one files record (a finished build or update), where every entry is current; search does not need it.
    /// </summary>
    public IReadOnlyDictionary<string, (IndexSegment Segment, int File)> Current => _current.Value;

    /// <summary>All windows of all segments, superseded ones included.</summary>
    public int Windows { get; }

    IndexFile(string path, IndexHeader header, long fileLength, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer,
        long validLength, int records, List<IndexSegment> segments, Dictionary<string, (IndexSegment, int)>? current)
    {
        Path = path;
        Header = header;
        FileLength = fileLength;
        _map = map;
        _view = view;
        _base = pointer;
        ValidLength = validLength;
        Records = records;
        Segments = segments;
        _current = new(() => current ?? segments.SelectMany(s => Enumerable.Range(0, s.Files.Length).Select(f => (s.Files[f].Key, (s, f))))
            .ToDictionary(e => e.Key, e => e.Item2, StringComparer.Ordinal));
        int windows = 0;
        foreach (var segment in segments)
        {
            segment.Base = windows;
            windows += segment.Windows;
        }
        Windows = windows;
    }

    public static IndexFile Open(string path)
    {
        if (Directory.Exists(path)) throw new IndexFormatException(path, "is a directory, not an index file");
        if (!File.Exists(path)) throw new IndexFormatException(path, "index file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = stream.Length;
        if (length < IndexLayout.HeaderPrefix) throw new IndexFormatException(path, length == 0 ? "is empty, not an index" : "is not a Cacophony index (too short for its header)");
        var map = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            var bytes = new ReadOnlySpan<byte>(pointer, (int)Math.Min(length, int.MaxValue));
            var header = ReadHeader(path, bytes, out long offset);
            long headerEnd = offset;
            string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            var rootPaths = Enumerable.Range(0, header.Roots.Count).Select(r => AudioIndex.RootPath(folder, header, r)).ToArray();
            var segments = new List<IndexSegment>();
            var current = new Dictionary<string, (IndexSegment, int)>(StringComparer.Ordinal);
            var records = new List<(long Start, long End, RecordKind Kind, ulong PayloadDigest)>();
            // Walk the records; stop at the first that is not whole (only the last one can be cut short).
            while (offset + IndexLayout.RecordHeader <= length)
            {
                var head = new ReadOnlySpan<byte>(pointer + offset, IndexLayout.RecordHeader);
                if (!head.StartsWith(IndexLayout.RecordMagic)) break;
                var kind = (RecordKind)BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
                long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(head[8..]);
                long payloadStart = offset + IndexLayout.RecordHeader;
                if (kind is not (RecordKind.Files or RecordKind.Removals) || payloadLength < IndexLayout.PayloadPrefix || payloadLength > length - payloadStart) break;
                var prefix = new ReadOnlySpan<byte>(pointer + payloadStart, IndexLayout.PayloadPrefix);
                int files = BinaryPrimitives.ReadInt32LittleEndian(prefix), windows = BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]);
                int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(prefix[8..]), vectorOffset = BinaryPrimitives.ReadInt32LittleEndian(prefix[12..]);
                if (files < 0 || windows < 0 || metadataLength < 0 || IndexLayout.PayloadPrefix + (long)metadataLength > payloadLength) break;
                var described = new ReadOnlySpan<byte>(pointer + payloadStart, IndexLayout.PayloadPrefix + metadataLength);
                if (IndexLayout.Digest(described) != BinaryPrimitives.ReadUInt64LittleEndian(head[16..])) break;
                records.Add((offset, payloadStart + payloadLength, kind, BinaryPrimitives.ReadUInt64LittleEndian(head[24..])));
                offset = payloadStart + payloadLength;
            }
            // A record's payload is flushed to disk before its digest is written (and flushed): a record cut short
            // by a crash is either shorter than its length says (the loop stopped there) or has no digest yet.
            // Hashing the payload itself (gigabytes) is left to Verify.
            if (records.Count > 0 && records[^1].PayloadDigest == 0) records.RemoveAt(records.Count - 1);
            // One files record (a finished build or update): every entry is current, no replay needed.
            bool replay = records.Count > 1 || (records.Count == 1 && records[0].Kind != RecordKind.Files);
            foreach (var (start, end, kind, _) in records)
            {
                long payloadStart = start + IndexLayout.RecordHeader;
                var prefix = new ReadOnlySpan<byte>(pointer + payloadStart, IndexLayout.PayloadPrefix);
                int files = BinaryPrimitives.ReadInt32LittleEndian(prefix), windows = BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]);
                int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(prefix[8..]), vectorOffset = BinaryPrimitives.ReadInt32LittleEndian(prefix[12..]);
                var metadata = new ReadOnlySpan<byte>(pointer + payloadStart + IndexLayout.PayloadPrefix, metadataLength);
                if (kind == RecordKind.Removals)
                {
                    foreach (var key in IndexMetadata.ReadRemovals(metadata, files)) Drop(current, key);
                    continue;
                }
                var segment = Segment(path, header, rootPaths, pointer, payloadStart, end, files, windows, metadata, vectorOffset);
                for (int f = 0; replay && f < segment.Files.Length; f++)
                {
                    string key = segment.Files[f].Key;
                    Drop(current, key);
                    current[key] = (segment, f);
                }
                segments.Add(segment);
            }
            long valid = records.Count > 0 ? records[^1].End : headerEnd;
            return new IndexFile(path, header, length, map, view, pointer, valid, records.Count, segments, replay ? current : null)
            {
                _sealed = records.Select(r => (r.Start, r.End, r.PayloadDigest)).ToList(),
            };
        }
        catch (Exception e) when (e is not IndexFormatException)
        {
            Release(view, pointer);
            map.Dispose();
            throw new IndexFormatException(path, $"is damaged: {e.Message}");
        }
        catch
        {
            Release(view, pointer);
            map.Dispose();
            throw;
        }
    }

    static void Drop(Dictionary<string, (IndexSegment Segment, int File)> current, string key)
    {
        if (current.Remove(key, out var old)) old.Segment.Live[old.File] = false;
    }

    static IndexSegment Segment(string path, IndexHeader header, string[] rootPaths, byte* pointer, long payloadStart, long end, int files, int windows, ReadOnlySpan<byte> metadata, int vectorOffset)
    {
        var entries = IndexMetadata.ReadFiles(metadata, files, rootPaths);
        var first = new int[files + 1];
        for (int f = 0; f < files; f++) first[f + 1] = first[f] + entries[f].Windows.Count;
        long rowBytes = header.Vectors == VectorStorage.Float32 ? (long)windows * header.Dimension * 4 : IndexLayout.Align((long)windows * header.Dimension) + (long)windows * 4;
        if (first[^1] != windows || payloadStart + vectorOffset + rowBytes > end || (payloadStart + vectorOffset) % IndexLayout.Alignment != 0)
            throw new IndexFormatException(path, $"a record at byte {payloadStart - IndexLayout.RecordHeader} is inconsistent (its files list {first[^1]} windows, its vectors {windows})");
        var live = new bool[files];
        Array.Fill(live, true);
        return new IndexSegment
        {
            Files = entries,
            FirstWindow = first,
            Live = live,
            Vectors = pointer + payloadStart + vectorOffset,
            Dimension = header.Dimension,
            Storage = header.Vectors,
        };
    }

    /// <summary>Hashes every record's payload against its digest (bit rot, a copy cut short); throws naming the first that fails.</summary>
    public void Verify()
    {
        foreach (var (start, end, digest) in _sealed)
            if (!PayloadIntact(_base, start, end, digest))
                throw new IndexFormatException(Path, $"is damaged: the record at byte {start} does not match its digest (rebuild the index, or restore it from a copy)");
    }

    static bool PayloadIntact(byte* pointer, long start, long end, ulong digest)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long at = start + IndexLayout.RecordHeader; at < end; at += 1 << 30)
            hash.AppendData(new ReadOnlySpan<byte>(pointer + at, (int)Math.Min(1 << 30, end - at)));
        return BitConverter.ToUInt64(hash.GetHashAndReset()) == digest;
    }

    static IndexHeader ReadHeader(string path, ReadOnlySpan<byte> bytes, out long end)
    {
        if (!bytes.StartsWith(IndexLayout.FileMagic)) throw new IndexFormatException(path, "is not a Cacophony index (its first bytes are not \"CACOIDX\")");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (version != IndexLayout.Version)
            throw new IndexFormatException(path, $"is an index of format version {version}; this build reads version {IndexLayout.Version} ({(version > IndexLayout.Version ? "update cacophony" : "rebuild it with `cacophony index build --force`")})");
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        if (jsonLength <= 0 || IndexLayout.HeaderPrefix + (long)jsonLength > bytes.Length) throw new IndexFormatException(path, "has a damaged header (its length runs past the end of the file)");
        var json = bytes.Slice(IndexLayout.HeaderPrefix, jsonLength);
        if (IndexLayout.Digest(json) != BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..])) throw new IndexFormatException(path, "has a damaged header (its digest does not match)");
        end = IndexLayout.Align(IndexLayout.HeaderPrefix + jsonLength);
        try
        {
            return JsonSerializer.Deserialize(json, SearchJson.Default.IndexHeader) ?? throw new JsonException("null header");
        }
        catch (JsonException e)
        {
            throw new IndexFormatException(path, $"has a damaged header: {e.Message}");
        }
    }

    /// <summary>The header bytes of a new index: magic, version, JSON and its digest, zeros to a multiple of 64.</summary>
    public static byte[] HeaderBytes(IndexHeader header)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, SearchJson.Default.IndexHeader);
        var bytes = new byte[IndexLayout.Align(IndexLayout.HeaderPrefix + json.Length)];
        IndexLayout.FileMagic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), IndexLayout.Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), json.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), IndexLayout.Digest(json));
        json.CopyTo(bytes, IndexLayout.HeaderPrefix);
        return bytes;
    }

    static void Release(MemoryMappedViewAccessor? view, byte* pointer)
    {
        if (view is null) return;
        if (pointer != null) view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
    }

    public void Dispose()
    {
        if (_base == null) return;
        Release(_view, _base);
        _base = null;
        _map?.Dispose();
    }
}
