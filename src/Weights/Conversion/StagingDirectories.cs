using System.Diagnostics;

namespace Cacophony.Weights.Conversion;

/// <summary>
/// The temporary sibling a conversion writes into (`.NAME.partial-PID`) before renaming it into place. A conversion
/// killed with SIGKILL cannot remove its own, so the next conversion of the same target removes every one whose
/// process is gone (or whose PID now belongs to a process started after the directory was last written).
/// </summary>
static class StagingDirectories
{
    public static string For(string output) =>
        Path.Combine(Path.GetDirectoryName(output) ?? ".", $".{Path.GetFileName(output)}.partial-{Environment.ProcessId}");

    /// <summary>Removes the staging directories (and the `.old` ones a publish leaves while it swaps) of dead conversions of `output`.</summary>
    public static void SweepStale(string output, Action<string> log)
    {
        string parent = Path.GetDirectoryName(output) ?? ".", prefix = $".{Path.GetFileName(output)}.partial-";
        if (!Directory.Exists(parent)) return;
        foreach (var directory in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            string suffix = Path.GetFileName(directory)[prefix.Length..];
            if (suffix.EndsWith(".old", StringComparison.Ordinal)) suffix = suffix[..^4];
            if (!int.TryParse(suffix, out int pid) || pid == Environment.ProcessId || IsRunningSince(pid, Directory.GetLastWriteTimeUtc(directory))) continue;
            try
            {
                Directory.Delete(directory, recursive: true);
                log($"removed {directory}, left by a conversion that did not finish");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log($"could not remove {directory} ({e.Message})");
            }
        }
    }

    /// <summary>A process with this PID runs and started before the time given (so it may own the directory).</summary>
    static bool IsRunningSince(int pid, DateTime writtenUtc)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime() <= writtenUtc.AddSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
