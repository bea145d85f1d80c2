using System.Globalization;

namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>
/// METEOR 1.5 through its jar, exactly as pycocoevalcap drives it: `java -jar -Xmx2G meteor-1.5.jar - -
/// -stdio -l en -norm` in the jar's folder; for each item a line `SCORE ||| ref 1 ||| ... ||| ref n ||| hyp`
/// answered by a line of statistics; then one line `EVAL ||| stats 1 ||| ... ||| stats n` answered by
/// n per-item scores and the corpus score (computed by METEOR from the summed statistics, not the mean of
/// the items). Inputs are the PTB-tokenized captions joined by spaces, as the other metrics see them.
/// </summary>
public static class Meteor
{
    public static JarScores Score(JavaRuntime java, string jar, IReadOnlyList<string[]> candidates, IReadOnlyList<IReadOnlyList<string[]>> references)
    {
        if (candidates.Count != references.Count) throw new ArgumentException($"{candidates.Count} candidates for {references.Count} reference sets");
        using var process = java.Start(jar, ["-Xmx2G"], ["-", "-", "-stdio", "-l", "en", "-norm"], redirectInput: true);
        var stderr = new StderrTail(process);
        try
        {
            var stats = new string[candidates.Count];
            for (int i = 0; i < candidates.Count; i++)
            {
                // '|||' separates fields and a newline ends the request: neither may appear inside a caption.
                var line = "SCORE ||| " + string.Join(" ||| ", references[i].Select(Field)) + " ||| " + Field(candidates[i]);
                process.StandardInput.WriteLine(line);
                process.StandardInput.Flush();
                stats[i] = ReadLine(process, jar, stderr, "the statistics of item " + i);
            }
            process.StandardInput.WriteLine("EVAL ||| " + string.Join(" ||| ", stats));
            process.StandardInput.Flush();
            var items = new double[candidates.Count];
            for (int i = 0; i < items.Length; i++) items[i] = ReadScore(process, jar, stderr, "the score of item " + i);
            double corpus = ReadScore(process, jar, stderr, "the corpus score");
            return new JarScores(corpus, items);
        }
        catch (IOException e)
        {
            throw new JarException(jar, $"the METEOR process stopped ({e.Message}){stderr.Said()}");
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(5000)) process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Already gone: nothing to clean up.
            }
        }
    }

    static string Field(string[] tokens) => string.Join(' ', tokens).Replace("|||", "").Replace("\n", " ").Replace("\r", " ").Replace("  ", " ");

    static string ReadLine(System.Diagnostics.Process process, string jar, StderrTail stderr, string what)
    {
        var line = process.StandardOutput.ReadLine();
        if (line is not null) return line.Trim();
        process.WaitForExit(5000);
        string code = process.HasExited ? $" with code {process.ExitCode}" : "";
        throw new JarException(jar, $"METEOR exited{code} before sending {what}{stderr.Said()}");
    }

    static double ReadScore(System.Diagnostics.Process process, string jar, StderrTail stderr, string what)
    {
        var line = ReadLine(process, jar, stderr, what);
        return double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JarException(jar, $"METEOR sent '{Truncate(line)}' where {what} was expected{stderr.Said()}");
    }

    static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
