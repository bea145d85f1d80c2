namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Panels [Start, End) shared by two threads, one taking them from the front and one from the back, a panel at
/// a time, until none is left. Each thread's panels are consecutive (so it knows which one to prefetch), and
/// the meeting point moves to wherever the slower thread got to. Both ends live in one 64-bit word, so a take is
/// one compare-and-swap.
/// </summary>
sealed class PanelRange(int start, int end)
{
    long _ends = (long)end << 32 | (uint)start;

    public int Start => start;
    public int End => end;

    /// <summary>
    /// Panels [0, panels) cut into one range per pair of threads (thread t walks range t / 2), each sized by its
    /// walkers: with an odd thread count the last range has one walker and half a pair's share.
    /// </summary>
    public static PanelRange[] ForThreads(int panels, int threads)
    {
        var ranges = new PanelRange[(threads + 1) / 2];
        for (int r = 0; r < ranges.Length; r++)
            ranges[r] = new PanelRange((int)((long)panels * 2 * r / threads), (int)((long)panels * Math.Min(2 * r + 2, threads) / threads));
        return ranges;
    }

    /// <summary>The first panel not yet taken, or -1 when none is left.</summary>
    public int TakeFirst()
    {
        while (true)
        {
            long ends = Volatile.Read(ref _ends);
            int first = (int)ends, last = (int)(ends >> 32);
            if (first >= last) return -1;
            if (Interlocked.CompareExchange(ref _ends, (long)last << 32 | (uint)(first + 1), ends) == ends) return first;
        }
    }

    /// <summary>The last panel not yet taken, or -1 when none is left.</summary>
    public int TakeLast()
    {
        while (true)
        {
            long ends = Volatile.Read(ref _ends);
            int first = (int)ends, last = (int)(ends >> 32);
            if (first >= last) return -1;
            if (Interlocked.CompareExchange(ref _ends, (long)(last - 1) << 32 | (uint)first, ends) == ends) return last - 1;
        }
    }
}
