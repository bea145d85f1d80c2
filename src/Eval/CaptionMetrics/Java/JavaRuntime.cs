using System.Diagnostics;

namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>
/// The `java` that runs the metric jars: the one given, else $JAVA_HOME/bin/java, else `java` on PATH.
/// Each jar runs with its own folder as working directory, as pycocoevalcap does: METEOR and SPICE find
/// their data (paraphrase tables, Stanford CoreNLP in lib/) next to the jar.
/// </summary>
public sealed class JavaRuntime
{
    public string Executable { get; }

    JavaRuntime(string executable) => Executable = executable;

    public static JavaRuntime Find(string? given = null)
    {
        if (!string.IsNullOrEmpty(given))
            return File.Exists(given) ? new JavaRuntime(given) : throw new JarException(given, "no such Java executable");
        var home = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrEmpty(home) && File.Exists(Path.Combine(home, "bin", "java"))) return new JavaRuntime(Path.Combine(home, "bin", "java"));
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "java"))) return new JavaRuntime(Path.Combine(dir, "java"));
        throw new JarException("java", "Java is needed for METEOR / SPICE and was not found (give --java, set JAVA_HOME or put java on PATH)");
    }

    /// <summary>The jar's full path, or a JarException when there is no such file.</summary>
    public static string RequireJar(string jar)
    {
        var full = Path.GetFullPath(jar);
        return File.Exists(full) ? full : throw new JarException(jar, "no such jar file");
    }

    /// <summary>Starts `java [options] -jar JAR args` in the jar's folder, with UTF-8 pipes.</summary>
    public Process Start(string jar, IEnumerable<string> javaOptions, IEnumerable<string> args, bool redirectInput)
    {
        var full = RequireJar(jar);
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = Path.GetDirectoryName(full)!,
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = redirectInput ? new System.Text.UTF8Encoding(false) : null,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var option in javaOptions) info.ArgumentList.Add(option);
        info.ArgumentList.Add("-jar");
        info.ArgumentList.Add(full);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        try
        {
            return Process.Start(info) ?? throw new JarException(jar, $"{Executable} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new JarException(jar, $"{Executable} did not start: {e.Message}");
        }
    }
}
