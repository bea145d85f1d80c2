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

    public static IndexedFile[] ReadFiles(ReadOnlySpan<byte> metadata, int count)
    {
        using var reader = new BinaryReader(new MemoryStream(metadata.ToArray()), Encoding.UTF8);
        var files = new IndexedFile[count];
        for (int i = 0; i < count; i++)
        {
            int root = reader.ReadInt32();
            string path = reader.ReadString();
            long size = reader.ReadInt64(), ticks = reader.ReadInt64();
            byte[] hash = reader.ReadBytes(32);
            double duration = reader.ReadDouble();
            int windows = reader.ReadInt32();
            if (windows < 1 || windows > 1 << 24) throw new InvalidDataException($"{windows} windows for {path}");
            var list = new IndexWindow[windows];
            for (int w = 0; w < windows; w++) list[w] = new IndexWindow(reader.ReadSingle(), reader.ReadSingle());
            files[i] = new IndexedFile { Root = root, RelativePath = path, Size = size, ModifiedTicks = ticks, ContentHash = hash, Duration = duration, Windows = list };
        }
        return files;
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
