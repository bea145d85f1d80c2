using System.Diagnostics;

namespace Cacophony.Tests.Support;

/// <summary>Runs a built tool (convert_checkpoint, cacophony) as a child process, as a user would.</summary>
public static class ToolRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string assembly, params string[] args) => RunWith(new Dictionary<string, string>(), assembly, args);

    /// <summary>Runs with these environment variables set (e.g. CACOPHONY_FFMPEG, HF_HOME) on top of this process's.</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, string assembly, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, assembly + ".dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{assembly} {string.Join(' ', args)} did not finish in 120 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
