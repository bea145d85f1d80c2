namespace Cacophony.Search;

/// <summary>
/// One writer per index: an exclusive lock on a sibling "X.cidx.lock" file (an advisory lock the system drops
/// when the process dies, kill -9 included). Readers need no lock: records are only appended, and compaction
/// replaces the file by a rename, so an open reader keeps the file it mapped.
/// </summary>
sealed class IndexLock : IDisposable
{
    readonly FileStream _file;
    readonly string _path;

    IndexLock(FileStream file, string path) => (_file, _path) = (file, path);

    public static IndexLock Take(string index)
    {
        string path = index + ".lock";
        try
        {
            return new IndexLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), path);
        }
        catch (IOException)
        {
            throw new IndexFormatException(index, $"is being written by another process (it holds {Path.GetFileName(path)}); wait for it to finish");
        }
    }

    public void Dispose()
    {
        File.Delete(_path);
        _file.Dispose();
    }
}
