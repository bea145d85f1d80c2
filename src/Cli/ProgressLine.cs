using System.Diagnostics;

namespace Cacophony.Cli;

/// <summary>
/// Progress on stderr: a bar redrawn in place on a terminal ("[=====>    ] 12/40 clips, 3.1 clips/s, ETA 9 s"),
/// or a plain line every few seconds when stderr is a file or pipe. Stdout stays clean for results.
/// </summary>
sealed class ProgressLine(int total, string unit)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly bool _terminal = !Console.IsErrorRedirected;
    TimeSpan _lastLine = TimeSpan.FromSeconds(-10);
    int _done;

    public void Advance(int count = 1)
    {
        _done += count;
        var elapsed = _clock.Elapsed;
        if (!_terminal && _done < total && elapsed - _lastLine < TimeSpan.FromSeconds(5)) return;
        _lastLine = elapsed;
        double rate = _done / Math.Max(elapsed.TotalSeconds, 1e-9);
        string eta = _done >= total ? $"{elapsed.TotalSeconds:F1} s" : $"ETA {TimeSpan.FromSeconds((total - _done) / Math.Max(rate, 1e-9)):hh\\:mm\\:ss}";
        int filled = total == 0 ? 20 : 20 * _done / total;
        string text = $"[{new string('=', filled)}{(filled < 20 ? ">" : "")}{new string(' ', Math.Max(0, 19 - filled))}] {_done}/{total} {unit}, {rate:F2} {unit}/s, {eta}";
        if (_terminal) Console.Error.Write($"\r{text}");
        else Console.Error.WriteLine(text);
        if (_terminal && _done >= total) Console.Error.WriteLine();
    }
}
