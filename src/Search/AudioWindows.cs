namespace Cacophony.Search;

/// <summary>
/// Where the windows of a recording fall: one window for a file up to a window long; otherwise windows every hop
/// seconds, and a last one ending at the end of the file, so that every second is in some window and an event is
/// whole in at least one window when it is no longer than window - hop.
/// </summary>
public static class AudioWindows
{
    /// <summary>The windows of <paramref name="samples"/> samples at <paramref name="rate"/>: (first sample, length) each.</summary>
    public static List<(long Start, int Length)> Of(long samples, int rate, double windowSeconds, double hopSeconds)
    {
        long window = (long)Math.Round(windowSeconds * rate), hop = (long)Math.Round(hopSeconds * rate);
        if (window < 1 || hop < 1) throw new ArgumentException($"window ({windowSeconds} s) and hop ({hopSeconds} s) must be at least one sample");
        var windows = new List<(long, int)>();
        if (samples <= window)
        {
            windows.Add((0, (int)samples));
            return windows;
        }
        long start = 0;
        for (; start + window < samples; start += hop) windows.Add((start, (int)window));
        long last = samples - window;
        if (windows[^1].Item1 != last) windows.Add((last, (int)window));
        return windows;
    }
}
