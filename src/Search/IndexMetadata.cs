using System.Text;

namespace Cacophony.Search;

/// <summary>The metadata block of a record: per file its root, relative path, size, time, content hash, duration and windows; per removal its root and path. Little-endian, strings as 7-bit-length-prefixed UTF-8.</summary>
static class IndexMetadata
{
    public static byte[] Files(IReadOnlyList<IndexedFile> files)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
            foreach (var file in files)
            {
                writer.Write(file.Root);
                writer.Write(file.RelativePath);
                writer.Write(file.Size);
                writer.Write(file.ModifiedTicks);
                writer.Write(file.ContentHash);
                writer.Write(file.Duration);
                writer.Write(file.Windows.Count);
                foreach (var window in file.Windows)
                {
                    writer.Write(window.Offset);
                    writer.Write(window.Duration);
                }
            }
        return bytes.ToArray();
    }

    /// <summary>The files of a record, each with its root's path on this machine.</summary>
    public static IndexedFile[] ReadFiles(ReadOnlySpan<byte> metadata, int count, string[] rootPaths)
    {
        var reader = new SpanReader(metadata);
        var files = new IndexedFile[count];
        for (int i = 0; i < count; i++)
        {
            int root = reader.Int32();
            string path = reader.String();
            long size = reader.Int64(), ticks = reader.Int64();
            byte[] hash = reader.Bytes(32);
            double duration = reader.Double();
            int windows = reader.Int32();
            if (windows < 1 || windows > 1 << 24) throw new InvalidDataException($"{windows} windows for {path}");
            var list = new IndexWindow[windows];
            for (int w = 0; w < windows; w++) list[w] = new IndexWindow(reader.Single(), reader.Single());
            files[i] = new IndexedFile
            {
                Root = root,
                RelativePath = path,
                RootPath = root >= 0 && root < rootPaths.Length ? rootPaths[root] : null,
                Size = size,
                ModifiedTicks = ticks,
                ContentHash = hash,
                Duration = duration,
                Windows = list,
            };
        }
        return files;
    }

    /// <summary>Reads what <see cref="BinaryWriter"/> wrote, straight from the memory map (no copy, no stream).</summary>
    ref struct SpanReader(ReadOnlySpan<byte> bytes)
    {
        readonly ReadOnlySpan<byte> _bytes = bytes;
        int _at;

        ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _bytes.Length - _at) throw new InvalidDataException("metadata ends early");
            var taken = _bytes.Slice(_at, count);
            _at += count;
            return taken;
        }

        public int Int32() => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long Int64() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public float Single() => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        public double Double() => System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        public byte[] Bytes(int count) => Take(count).ToArray();

        /// <summary>A 7-bit-encoded length, then that many bytes of UTF-8.</summary>
        public string String()
        {
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (shift > 28) throw new InvalidDataException("bad string length in metadata");
                byte b = Take(1)[0];
                length |= (b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            return Encoding.UTF8.GetString(Take(length));
        }
    }

    public static byte[] Removals(IReadOnlyList<string> keys)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
            foreach (var key in keys) writer.Write(key);
        return bytes.ToArray();
    }

    public static string[] ReadRemovals(ReadOnlySpan<byte> metadata, int count)
    {
        using var reader = new BinaryReader(new MemoryStream(metadata.ToArray()), Encoding.UTF8);
        var keys = new string[count];
        for (int i = 0; i < count; i++) keys[i] = reader.ReadString();
        return keys;
    }
}
