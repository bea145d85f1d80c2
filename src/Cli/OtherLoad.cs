using System.Diagnostics;

namespace Cacophony.Cli;

/// <summary>
/// How much of the machine other processes used while a benchmark ran: the busy CPU time of the whole system
/// (/proc/stat) less this process's own, over the wall time of all cores. Timings taken beside another busy
/// process are slower than the machine can do, so a benchmark says so. Null where /proc/stat is not available.
/// </summary>
sealed class OtherLoad
{
    readonly Stopwatch _wall = Stopwatch.StartNew();
    readonly TimeSpan _ownStart = Process.GetCurrentProcess().TotalProcessorTime;
    readonly double? _busyStart = SystemBusySeconds();

    /// <summary>Fraction of all cores' time (0-1) used by other processes since construction.</summary>
    public double? Fraction()
    {
        if (_busyStart is not double start || SystemBusySeconds() is not double end) return null;
        double own = (Process.GetCurrentProcess().TotalProcessorTime - _ownStart).TotalSeconds;
        double capacity = _wall.Elapsed.TotalSeconds * Environment.ProcessorCount;
        return capacity <= 0 ? null : Math.Clamp((end - start - own) / capacity, 0, 1);
    }

    // /proc/stat's cpu line: user, nice, system, idle, iowait, irq, softirq, steal.
    static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    /// <summary>Seconds all CPUs spent busy since boot: user, nice, system, irq, softirq, steal (not idle, iowait).</summary>
    static double? SystemBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[0] != "cpu" || fields.Length < 9) return null;
            long busy = BusyFields.Sum(i => long.Parse(fields[i]));
            return busy / 100.0; // USER_HZ is 100 on every Linux the runtime supports
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
