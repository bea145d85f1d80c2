using System.Diagnostics;

namespace Cacophony.Fuzz;

public enum Outcome { Clean, Crash, Hang, BlowUp }

/// <summary>One mutant that was not refused cleanly: its target, outcome, what happened, and its bytes (to keep as a regression test).</summary>
public sealed record Finding(string Target, Outcome Outcome, string What, byte[] Bytes, int Index);

/// <summary>The counts of a run, per target and outcome, and the findings.</summary>
public sealed class FuzzReport
{
    public Dictionary<string, Dictionary<Outcome, int>> Counts { get; } = [];

    /// <summary>Clean mutants that were read without complaint (the rest of the clean ones were refused by name).</summary>
    public Dictionary<string, int> Accepted { get; } = [];
    public List<Finding> Findings { get; } = [];
    public int Total => Counts.Values.Sum(c => c.Values.Sum());

    public void Count(string target, Outcome outcome)
    {
        if (!Counts.TryGetValue(target, out var counts)) Counts[target] = counts = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0);
        counts[outcome]++;
    }

    public string Table()
    {
        var lines = new List<string> { $"{"format",-14} {"mutants",8} {"refused",8} {"accepted",9} {"crash",7} {"hang",6} {"blow-up",8}" };
        foreach (var (target, c) in Counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            int accepted = Accepted.GetValueOrDefault(target);
            lines.Add($"{target,-14} {c.Values.Sum(),8} {c[Outcome.Clean] - accepted,8} {accepted,9} {c[Outcome.Crash],7} {c[Outcome.Hang],6} {c[Outcome.BlowUp],8}");
        }
        int allAccepted = Accepted.Values.Sum();
        lines.Add($"{"all",-14} {Total,8} {Counts.Values.Sum(c => c[Outcome.Clean]) - allAccepted,8} {allAccepted,9} {Counts.Values.Sum(c => c[Outcome.Crash]),7} {Counts.Values.Sum(c => c[Outcome.Hang]),6} {Counts.Values.Sum(c => c[Outcome.BlowUp]),8}");
        return string.Join('\n', lines);
    }
}

/// <summary>
/// Runs mutants through their targets in this process, one at a time: a mutant is clean when its entry point
/// returns or refuses it with a clean exception; a crash when anything else escapes; a hang when it runs past
/// the timeout; a blow-up when the process's memory grows past the limit while it runs (or it throws
/// OutOfMemoryException). A hung mutant's thread cannot be stopped in .NET: the run records it and goes on.
/// </summary>
public sealed class FuzzDriver(IReadOnlyList<Target> targets, Workspace workspace, TimeSpan timeout, long memoryLimitBytes)
{
    const string Accepted = "accepted";

    public FuzzReport Run(int seed, Func<int, bool> goOn, Func<Target, int>? weight = null, Action<string>? log = null)
    {
        var report = new FuzzReport();
        var random = new Random(seed);
        var mutator = new Mutator(random);
        var weighted = targets.SelectMany(t => Enumerable.Repeat(t, Math.Max(1, weight?.Invoke(t) ?? 1))).ToList();
        for (int index = 0; goOn(index); index++)
        {
            var target = weighted[random.Next(weighted.Count)];
            var bytes = mutator.Mutate(target.Seed, target.Kind);
            string path = workspace.File(target.FileName);
            File.WriteAllBytes(path, bytes);
            var (outcome, what) = RunOne(target, path);
            report.Count(target.Name, outcome);
            if (outcome == Outcome.Clean && what == Accepted) report.Accepted[target.Name] = report.Accepted.GetValueOrDefault(target.Name) + 1;
            if (outcome != Outcome.Clean)
            {
                report.Findings.Add(new Finding(target.Name, outcome, what, bytes, index));
                log?.Invoke($"#{index} {target.Name}: {outcome}: {what}");
            }
        }
        return report;
    }

    static long PrivateBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.PrivateMemorySize64;
    }

    (Outcome, string) RunOne(Target target, string path)
    {
        long baseline = PrivateBytes(), peak = baseline;
        Exception? escaped = null;
        var work = Task.Factory.StartNew(() =>
        {
            try
            {
                target.Run(path, workspace);
            }
            catch (Exception e)
            {
                escaped = e;
            }
        }, TaskCreationOptions.LongRunning);
        var clock = Stopwatch.StartNew();
        while (!work.Wait(20))
        {
            peak = Math.Max(peak, PrivateBytes());
            if (peak - baseline > memoryLimitBytes) return (Outcome.BlowUp, $"memory grew by {(peak - baseline) >> 20} MiB (limit {memoryLimitBytes >> 20} MiB)");
            if (clock.Elapsed > timeout) return (Outcome.Hang, $"still running after {timeout.TotalSeconds:F0} s");
        }
        return escaped switch
        {
            null => (Outcome.Clean, Accepted),
            OutOfMemoryException e => (Outcome.BlowUp, e.Message),
            InsufficientExecutionStackException e => (Outcome.Crash, e.Message),
            var e when Targets.IsCleanRefusal(e) => (Outcome.Clean, e.Message),
            var e => (Outcome.Crash, $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"),
        };
    }
}
