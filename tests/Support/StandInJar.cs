using System.Diagnostics;

namespace Cacophony.Tests.Support;

/// <summary>
/// Builds tests/data/java/MetricJarStandIn.java into a jar (javac + jar from the JDK), once per process,
/// and copies it into a test's own folder. Tests that need it are ignored when there is no JDK.
/// </summary>
public static class StandInJar
{
    static readonly Lazy<string?> Built = new(Build);

    /// <summary>A fresh copy of the stand-in jar at `directory/name` (the folder is the jar's working directory).</summary>
    public static string CopyTo(string directory, string name)
    {
        var jar = Built.Value;
        if (jar is null) Assert.Ignore("no JDK (javac and jar) to build the stand-in metric jar");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.Copy(jar!, path, overwrite: true);
        return path;
    }

    /// <summary>What the stand-in received: its arguments, JVM options and protocol lines.</summary>
    public static string[] Log(string jar) => File.ReadAllLines(Path.Combine(Path.GetDirectoryName(jar)!, "standin-log.txt"));

    public static void MakeFail(string jar) => File.WriteAllText(Path.Combine(Path.GetDirectoryName(jar)!, "standin-mode.txt"), "fail");

    static string? Build()
    {
        string? javac = Tool("javac"), jarTool = Tool("jar");
        if (javac is null || jarTool is null) return null;
        var work = Directory.CreateTempSubdirectory("cacophony-standin-").FullName;
        var source = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "java", "MetricJarStandIn.java");
        Run(javac, "-d", work, source);
        var jar = Path.Combine(work, "standin.jar");
        Run(jarTool, "cfe", jar, "MetricJarStandIn", "-C", work, ".");
        return jar;
    }

    static string? Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    static void Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {stderr.Result}");
    }
}
