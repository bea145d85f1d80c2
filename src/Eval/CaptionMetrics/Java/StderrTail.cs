using System.Diagnostics;

namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>
/// Drains a process's stderr as it comes (a full pipe would stall the jar) and keeps its last lines, so a
/// failure can say what the jar said.
/// </summary>
sealed class StderrTail
{
    readonly Queue<string> _lines = new();

    public StderrTail(Process process)
    {
        process.ErrorDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (_lines)
            {
                _lines.Enqueue(e.Data.Trim());
                if (_lines.Count > 5) _lines.Dequeue();
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>"; it said: LINE" with the last line that names an error (else the last line), or "" when silent.</summary>
    public string Said() => Last() is { Length: > 0 } last ? $"; it said: {(last.Length <= 200 ? last : last[..200] + "...")}" : "";

    /// <summary>The last line that names an error, else the last line, else "".</summary>
    string Last()
    {
        lock (_lines)
        {
            var lines = _lines.ToArray();
            return lines.LastOrDefault(l => l.Contains("Exception") || l.Contains("Error")) ?? lines.LastOrDefault() ?? "";
        }
    }
}
