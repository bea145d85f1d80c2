using System.Diagnostics;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Cli;

/// <summary>The `./cacophony` script the README's commands use, run from the repository root as a user pastes them.</summary>
public class RepositoryScriptTests
{
    [Test]
    public void TheScriptRunsTheCommand()
    {
        string? root = TestData.RepositoryRoot();
        if (root is null || !File.Exists(Path.Combine(root, "cacophony"))) Assert.Ignore("not run from a checkout (no ./cacophony script above the test directory)");
        var start = new ProcessStartInfo("bash", ["./cacophony", "info", "--help"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(300_000), "finished");
        Assert.That(process.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stdout.Result, Does.StartWith("Description:").And.Contain("cacophony info <model-dir>"), "stdout carries only the command's output");
    }
}
