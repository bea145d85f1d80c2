using System.Diagnostics;
using System.Globalization;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Cli;

/// <summary>`cacophony bench` says what its figures are and when they are not to be trusted (no timing is asserted).</summary>
public class BenchCommandTests
{
    [Test]
    public void BenchReportsMediansWithTheirRangeWarnsOfALoadedMachineAndSumsUp()
    {
        // Another process busy on one core for the whole run: the bench must notice it.
        using var busy = Process.Start(new ProcessStartInfo("sh", ["-c", "exec yes > /dev/null"]) { UseShellExecute = false })!;
        ToolRunner.Result result;
        try
        {
            result = ToolRunner.Run("cacophony", "bench", "--seconds", "1", "--runs", "3", "--text-batch", "2");
        }
        finally
        {
            busy.Kill();
        }
        TestContext.Out.WriteLine(result.Stdout);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(result.Stdout, Does.Contain("then 3 timed; ms is the median of the 3, with the fastest and slowest"));
        var row = lines.Single(l => l.StartsWith("audio encoder + pool"));
        // "<stage>  <median>  <min>-<max>  <GFLOP>  <GFLOP/s>": the median lies within its range.
        var fields = row[44..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double median = double.Parse(fields[0], CultureInfo.InvariantCulture);
        var range = fields[1].Split('-').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(median, Is.InRange(range[0], range[1]));
        Assert.That(result.Stdout, Does.Contain("warning: other processes used"));
        Assert.That(lines[^1], Does.StartWith("summary: a 1 s clip embeds in "));
    }
}
