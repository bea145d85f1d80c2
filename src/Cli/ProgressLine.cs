using System.Diagnostics;

namespace Cacophony.Cli;

/// <summary>
/// Progress on stderr: a bar redrawn in place on a terminal ("[=====>    ] 12/40 clips, 3.10 clips/s, ETA 00:09"),
/// or a plain line every few seconds when stderr is a file or pipe. Stdout stays clean for results. No ETA is
/// shown before the first item is done (there is no rate to project yet).
/// </summary>
sealed class ProgressLine
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly bool _terminal = !Console.IsErrorRedirected;
    readonly bool _visible;
    readonly int _total;
    readonly string _unit;
    TimeSpan _lastLine = TimeSpan.FromSeconds(-10);
    int _done;

    /// <param name="visible">False keeps it silent (commands that show progress only on a terminal or with --progress).</param>
    public ProgressLine(int total, string unit, bool visible = true) => (_total, _unit, _visible) = (total, unit, visible);

    /// <summary>Shown on a terminal, or anywhere when asked for (--progress).</summary>
    public static bool OnTerminalOr(bool asked) => asked || !Console.IsErrorRedirected;

    public void Advance(int count = 1)
    {
        _done += count;
        if (!_visible) return;
        var elapsed = _clock.Elapsed;
        if (!_terminal && _done < _total && elapsed - _lastLine < TimeSpan.FromSeconds(5)) return;
        _lastLine = elapsed;
        Console.Error.Write(_terminal ? $"\r{Render(_done, _total, _unit, elapsed)}" : Render(_done, _total, _unit, elapsed) + "\n");
        if (_terminal && _done >= _total) Console.Error.WriteLine();
    }

    /// <summary>The line for `done` of `total` items after `elapsed`.</summary>
    public static string Render(int done, int total, string unit, TimeSpan elapsed)
    {
        double rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
        string tail = done >= total ? Duration(elapsed)
            : done == 0 ? "ETA --"
            : $"ETA {Duration(TimeSpan.FromSeconds(Math.Min((total - done) / rate, TimeSpan.MaxValue.TotalSeconds / 2)))}";
        int filled = total <= 0 ? 20 : (int)(20L * Math.Min(done, total) / total);
        return $"[{new string('=', filled)}{(filled < 20 ? ">" : "")}{new string(' ', Math.Max(0, 19 - filled))}] {done}/{total} {unit}, {rate:F2} {unit}/s, {tail}";
    }

    /// <summary>mm:ss under an hour, h:mm:ss under a day, then days: "3d 04:05:06" (hours never wrap at 24).</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        long seconds = (long)Math.Round(span.TotalSeconds);
        long days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, rest = seconds % 60;
        if (days > 0) return $"{days}d {hours:D2}:{minutes:D2}:{rest:D2}";
        if (hours > 0) return $"{hours}:{minutes:D2}:{rest:D2}";
        return $"{minutes:D2}:{rest:D2}";
    }
}
