using System.Diagnostics;

namespace Cacophony.Tests.Support;

/// <summary>Runs a built tool (convert_checkpoint, cacophony) as a child process, as a user would.</summary>
public static class ToolRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string assembly, params string[] args) => RunWith(new Dictionary<string, string>(), assembly, args);

    /// <summary>Runs with these environment variables set (e.g. CACOPHONY_FFMPEG, HF_HOME) on top of this process's.</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, string assembly, params string[] args) =>
        Execute("dotnet", [Path.Combine(TestContext.CurrentContext.TestDirectory, assembly + ".dll"), .. args], environment);

    /// <summary>Runs an executable (a native build) with these arguments and environment variables.</summary>
    public static Result Execute(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, int timeoutSeconds = 120)
    {
        string assembly = Path.GetFileName(program);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{assembly} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
