namespace Cacophony.Cli;

/// <summary>
/// Where a command writes once its work is done (embeddings, tags, dumps): checked before the work, so that a batch
/// is not computed only to find that its results have nowhere to go.
/// </summary>
static class OutputPlace
{
    /// <summary>The file <paramref name="path"/> can be written: its folder is made, and a file can be created in it.</summary>
    public static void CheckFile(string path)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a folder; name the file to write");
        Probe(Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    /// <summary>Files can be written into the folder <paramref name="folder"/>: it is made, and a file can be created in it.</summary>
    public static void CheckFolder(string folder)
    {
        if (File.Exists(folder)) throw new IOException($"{folder}: is a file; name a folder to write into");
        Probe(Path.GetFullPath(folder), folder);
    }

    /// <summary>Makes <paramref name="folder"/> and an empty file in it (removed again); an <see cref="IOException"/> naming <paramref name="asked"/> when either fails.</summary>
    static void Probe(string folder, string asked)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{asked}: cannot be written ({e.Message})", e);
        }
        try
        {
            using (File.Create(Path.Combine(folder, $".cacophony-probe-{Environment.ProcessId}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception names the probe, which the user never asked for: say what it means for the folder.
            string reason = e is UnauthorizedAccessException ? "permission denied" : e.GetType().Name;
            throw new IOException($"{asked}: cannot be written (no file can be created in {folder}: {reason})", e);
        }
    }
}
