using System.Diagnostics;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// Re-runs the kernel fixture in child processes with the runtime's vector support switched off
/// (DOTNET_EnableAVX512=0, DOTNET_EnableAVX512F=0 before .NET 10: the Vector256 path; DOTNET_EnableHWIntrinsic=0:
/// the scalar path), so the
/// fallbacks of TensorPrimitives and of our kernel selection are tested, not assumed.
/// </summary>
[Category("Slow")]
public class KernelInstructionSetTests
{
    [TestCase("DOTNET_EnableAVX512,DOTNET_EnableAVX512F", "Vector256 (AVX2/FMA)")]
    [TestCase("DOTNET_EnableHWIntrinsic", "scalar")]
    public void FixturePassesWithNarrowerVectors(string variables, string expected)
    {
        var names = variables.Split(',');
        if (names.Any(n => Environment.GetEnvironmentVariable(n) == "0")) Assert.Ignore("already inside a child run");
        if (expected.StartsWith("Vector256") && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            Assert.Ignore("this machine has no AVX-512: the default run is already the Vector256 path");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "test", typeof(KernelFixtureTests).Assembly.Location, "--filter", "FullyQualifiedName~KernelFixtureTests", "--logger", "console;verbosity=detailed" })
            start.ArgumentList.Add(arg);
        foreach (var name in names) start.Environment[name] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(300_000), "child test run finished in 5 minutes");
        string output = stdout.Result + stderr.Result;
        foreach (var line in output.Split('\n').Where(l => l.Contains("max error") || l.Contains("instruction set") || l.Contains("Passed!") || l.Contains("Failed")).Distinct())
            TestContext.Out.WriteLine(line.Trim());
        Assert.That(process.ExitCode, Is.Zero, "the kernel fixture passes on the narrower path:\n" + output[^Math.Min(output.Length, 3000)..]);
        Assert.That(output, Does.Contain($"instruction set: {expected}"));
    }
}
