namespace Cacophony.Cli;

/// <summary>Writes a directory of results under a temporary name and renames it into place, so a reader never sees half of it.</summary>
static class DumpDirectory
{
    public static void WriteAtomically(string directory, Action<string> write)
    {
        string full = Path.GetFullPath(directory);
        string staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            Directory.Move(staging, full);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
