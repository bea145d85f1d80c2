using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>
/// SPICE 1.0 through its jar, as pycocoevalcap drives it: a JSON list of {image_id, test, refs} written to
/// a file, `java -jar -Xmx8G spice-1.0.jar IN -cache DIR -out OUT -subset -silent` in the jar's folder
/// (Stanford CoreNLP in its lib/), then each item's scores.All.f read back; the corpus SPICE is their mean
/// (NaN items make it NaN, as numpy's mean does). Inputs are the PTB-tokenized captions joined by spaces.
/// </summary>
public static class Spice
{
    public static JarScores Score(JavaRuntime java, string jar, IReadOnlyList<string[]> candidates, IReadOnlyList<IReadOnlyList<string[]>> references,
        string workDirectory, string? cacheDirectory = null)
    {
        if (candidates.Count != references.Count) throw new ArgumentException($"{candidates.Count} candidates for {references.Count} reference sets");
        Directory.CreateDirectory(workDirectory);
        string input = Path.Combine(workDirectory, "spice-input.json"), output = Path.Combine(workDirectory, "spice-output.json");
        var items = new JsonArray();
        for (int i = 0; i < candidates.Count; i++)
            items.Add((JsonNode)new JsonObject
            {
                ["image_id"] = i,
                ["test"] = string.Join(' ', candidates[i]),
                ["refs"] = new JsonArray(references[i].Select(r => (JsonNode)JsonValue.Create(string.Join(' ', r))!).ToArray()),
            });
        // Relaxed escaping: captions stay readable UTF-8 in the file (quotes and backslashes are still escaped).
        File.WriteAllText(input, items.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.Delete(output);

        var args = new List<string> { Path.GetFullPath(input) };
        if (cacheDirectory is not null)
        {
            Directory.CreateDirectory(cacheDirectory);
            args.AddRange(["-cache", Path.GetFullPath(cacheDirectory)]);
        }
        args.AddRange(["-out", Path.GetFullPath(output), "-subset", "-silent"]);
        using (var process = java.Start(jar, ["-Xmx8G"], args, redirectInput: false))
        {
            var stderr = new StderrTail(process);
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(output))
                throw new JarException(jar, $"SPICE exited with code {process.ExitCode} without writing its scores{stderr.Said()}");
        }
        return Read(jar, output, candidates.Count);
    }

    static JarScores Read(string jar, string output, int count)
    {
        var scores = new double[count];
        var seen = new bool[count];
        try
        {
            foreach (var item in JsonNode.Parse(File.ReadAllText(output))!.AsArray())
            {
                int id = item!["image_id"]!.GetValue<int>();
                if (id < 0 || id >= count) throw new JarException(jar, $"{output}: unknown image_id {id}");
                scores[id] = Number(item["scores"]?["All"]?["f"]);
                seen[id] = true;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new JarException(jar, $"{output}: not SPICE's output ({e.Message})");
        }
        int missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new JarException(jar, $"{output}: no score for item {missing}");
        return new JarScores(scores.Average(), scores);
    }

    // pycocoevalcap's float_convert: a value that is not a number (SPICE writes "NaN" for empty tuples) is NaN.
    static double Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => double.NaN,
    };
}
