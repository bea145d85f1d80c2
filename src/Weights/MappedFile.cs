using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Cacophony.Weights;

/// <summary>
/// A read-only memory-mapped file. Checkpoints are 1 GB and more, so nothing here copies the
/// file: <see cref="Sequence"/> views it as a chain of segments of at most 1 GiB (a Memory&lt;byte&gt;
/// holds at most 2^31 bytes) for MessagePack's reader, and <see cref="Span"/> hands out windows.
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
    const long SegmentSize = 1L << 30;

    readonly FileStream _stream;
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _base;
    bool _disposed;

    public string Path { get; }
    public long Length { get; }
    public ReadOnlySequence<byte> Sequence { get; }

    public MappedFile(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        // The open file's length, not FileInfo's: for a symbolic link FileInfo gives the link's own size.
        Length = _stream.Length;
        if (Length == 0)
        {
            _stream.Dispose();
            throw new CheckpointException(path, "file is empty");
        }
        _map = MemoryMappedFile.CreateFromFile(_stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        Sequence = BuildSequence();
    }

    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new CheckpointException(Path, $"read of {length} bytes at offset {offset} runs past the end of the file ({Length} bytes)");
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    /// <summary>
    /// Copies bytes with a read call instead of through the mapping: bulk reads of a checkpoint that is
    /// streamed once (conversion) then do not leave the whole file resident in this process.
    /// </summary>
    public void Read(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || offset + destination.Length > Length)
            throw new CheckpointException(Path, $"read of {destination.Length} bytes at offset {offset} runs past the end of the file ({Length} bytes)");
        while (destination.Length > 0)
        {
            int read = RandomAccess.Read(_stream.SafeFileHandle, destination, offset);
            if (read <= 0) throw new CheckpointException(Path, $"file ended early at offset {offset}");
            destination = destination[read..];
            offset += read;
        }
    }

    ReadOnlySequence<byte> BuildSequence()
    {
        Segment? first = null, last = null;
        for (long offset = 0; offset < Length; offset += SegmentSize)
        {
            int length = (int)Math.Min(SegmentSize, Length - offset);
            var memory = new UnmanagedMemory(_base + offset, length).Memory;
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _stream.Dispose();
    }

    sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>Exposes a window of the mapping as Memory&lt;byte&gt;; the mapping owns the bytes.</summary>
    sealed class UnmanagedMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}
