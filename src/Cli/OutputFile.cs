namespace Cacophony.Cli;

/// <summary>
/// A file that a command writes once its work is done (embeddings, tags): checked before the work, so that a batch
/// is not computed only to find that its result has nowhere to go.
/// </summary>
static class OutputFile
{
    /// <summary>
    /// Creates the file's folder and an empty file beside it (removed again), as the command's atomic write will;
    /// an <see cref="IOException"/> naming <paramref name="path"/> when either cannot be done.
    /// </summary>
    public static void CheckWritable(string path)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a folder; name the file to write");
        string full = Path.GetFullPath(path), folder = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot be written ({e.Message})", e);
        }
        try
        {
            using (File.Create(Path.Combine(folder, $".{Path.GetFileName(full)}.probe-{Environment.ProcessId}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception names the probe, which the user never asked for: say what it means for the folder.
            string reason = e is UnauthorizedAccessException ? "permission denied" : e.GetType().Name;
            throw new IOException($"{path}: cannot be written (no file can be created in {folder}: {reason})", e);
        }
    }
}
