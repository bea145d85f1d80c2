using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cacophony.Search;

/// <summary>
/// Appends one record at the stream's position (a multiple of 64): header, payload, then the payload's digest in
/// the header, then a flush to disk. Until that last write the digest is zero, so a record cut short by a crash
/// never passes as whole. Vectors stream through a small buffer: a compacted record of a million windows (3 GB)
/// needs no array of its size.
/// </summary>
sealed class RecordWriter
{
    readonly FileStream _stream;
    readonly IncrementalHash _payload = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly byte[] _buffer = new byte[1 << 20];
    int _filled;

    RecordWriter(FileStream stream) => _stream = stream;

    public static void WriteFiles(FileStream stream, IReadOnlyList<IndexedFile> files, IReadOnlyList<WindowVector> windows, int dimension, VectorStorage storage)
    {
        int expected = files.Sum(f => f.Windows.Count);
        if (expected != windows.Count) throw new ArgumentException($"{files.Count} files have {expected} windows, but {windows.Count} vectors were given");
        var metadata = IndexMetadata.Files(files);
        long start = stream.Position, payloadStart = start + IndexLayout.RecordHeader;
        long vectorStart = IndexLayout.Align(payloadStart + IndexLayout.PayloadPrefix + metadata.Length);
        long rowBytes = storage == VectorStorage.Float32 ? (long)windows.Count * dimension * 4 : IndexLayout.Align((long)windows.Count * dimension) + (long)windows.Count * 4;
        long end = IndexLayout.Align(vectorStart + rowBytes);
        var writer = new RecordWriter(stream);
        writer.Begin(RecordKind.Files, end - payloadStart, files.Count, windows.Count, metadata, (int)(vectorStart - payloadStart));
        writer.Zeros(vectorStart - (payloadStart + IndexLayout.PayloadPrefix + metadata.Length));
        if (storage == VectorStorage.Float32) writer.Float32Rows(windows, dimension);
        else writer.Int8Rows(windows, dimension);
        writer.Zeros(end - (vectorStart + rowBytes));
        writer.Finish(start);
    }

    public static void WriteRemovals(FileStream stream, IReadOnlyList<string> keys)
    {
        var metadata = IndexMetadata.Removals(keys);
        long start = stream.Position, payloadStart = start + IndexLayout.RecordHeader;
        long end = IndexLayout.Align(payloadStart + IndexLayout.PayloadPrefix + metadata.Length);
        var writer = new RecordWriter(stream);
        writer.Begin(RecordKind.Removals, end - payloadStart, keys.Count, 0, metadata, 0);
        writer.Zeros(end - (payloadStart + IndexLayout.PayloadPrefix + metadata.Length));
        writer.Finish(start);
    }

    void Begin(RecordKind kind, long payloadLength, int files, int windows, byte[] metadata, int vectorOffset)
    {
        var prefix = new byte[IndexLayout.PayloadPrefix];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, files);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), windows);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(8), metadata.Length);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(12), vectorOffset);
        var header = new byte[IndexLayout.RecordHeader];
        IndexLayout.RecordMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), (int)kind);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), payloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), IndexLayout.Digest([.. prefix, .. metadata]));
        _stream.Write(header); // the payload digest (bytes 24..32) stays zero until Finish
        Payload(prefix);
        Payload(metadata);
    }

    void Float32Rows(IReadOnlyList<WindowVector> windows, int dimension)
    {
        var row = new float[dimension];
        foreach (var window in windows)
        {
            if (window.Fresh is { } fresh) Payload(MemoryMarshal.AsBytes(fresh.AsSpan(0, dimension)));
            else if (window.Stored!.Storage == VectorStorage.Float32) Payload(window.Stored.Float32Bytes(window.Window));
            else
            {
                window.Stored.Read(window.Window, row);
                Payload(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }
    }

    void Int8Rows(IReadOnlyList<WindowVector> windows, int dimension)
    {
        var scales = new float[windows.Count];
        var q = new sbyte[dimension];
        var row = new float[dimension];
        for (int w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            if (window.Stored is { Storage: VectorStorage.Int8 } stored)
            {
                Payload(MemoryMarshal.AsBytes(stored.Int8(window.Window, out scales[w])));
                continue;
            }
            if (window.Fresh is { } fresh) fresh.AsSpan(0, dimension).CopyTo(row);
            else window.Stored!.Read(window.Window, row);
            scales[w] = VectorQuantizer.Quantize(row, q);
            Payload(MemoryMarshal.AsBytes(q.AsSpan()));
        }
        long rows = (long)windows.Count * dimension;
        Zeros(IndexLayout.Align(rows) - rows);
        Payload(MemoryMarshal.AsBytes(scales.AsSpan()));
    }

    void Zeros(long count)
    {
        Span<byte> zeros = stackalloc byte[IndexLayout.Alignment];
        for (; count > 0; count -= zeros.Length) Payload(zeros[..(int)Math.Min(count, zeros.Length)]);
    }

    void Payload(ReadOnlySpan<byte> bytes)
    {
        _payload.AppendData(bytes);
        while (bytes.Length > 0)
        {
            int take = Math.Min(bytes.Length, _buffer.Length - _filled);
            bytes[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            bytes = bytes[take..];
            if (_filled == _buffer.Length) Drain();
        }
    }

    void Drain()
    {
        _stream.Write(_buffer, 0, _filled);
        _filled = 0;
    }

    void Finish(long start)
    {
        Drain();
        long end = _stream.Position;
        Span<byte> hash = stackalloc byte[32];
        _payload.GetHashAndReset(hash);
        _stream.Flush(flushToDisk: true);
        _stream.Position = start + 24;
        _stream.Write(hash[..IndexLayout.DigestLength]);
        _stream.Position = end;
        _stream.Flush(flushToDisk: true);
        _payload.Dispose();
    }
}
