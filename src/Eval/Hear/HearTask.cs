using System.Text.Json;
using Cacophony.Eval.Datasets;

namespace Cacophony.Eval.Hear;

/// <summary>
/// One task of the HEAR benchmark as hear-preprocess writes it: `task_metadata.json` (task_name,
/// embedding_type scene|event, prediction_type, split_mode, ...), `labelvocabulary.csv`, one JSON per split
/// (file name -> labels: a list of strings for scene tasks, a list of {label, start, end} in ms for event
/// tasks) and the audio under `&lt;sample rate&gt;/&lt;split&gt;/`.
/// </summary>
public sealed record HearTask(string Directory, string Name, string EmbeddingType, IReadOnlyList<string> Splits)
{
    public bool IsEvent => EmbeddingType == "event";

    public static HearTask Read(string directory)
    {
        string metadataPath = Path.Combine(directory, "task_metadata.json");
        if (!File.Exists(metadataPath)) throw new DatasetException(metadataPath, "not found (not a HEAR task directory)");
        if (!File.Exists(Path.Combine(directory, "labelvocabulary.csv"))) throw new DatasetException(Path.Combine(directory, "labelvocabulary.csv"), "not found");
        JsonElement metadata;
        try
        {
            metadata = JsonDocument.Parse(File.ReadAllText(metadataPath)).RootElement;
        }
        catch (JsonException e)
        {
            throw new DatasetException(metadataPath, $"is not valid JSON ({e.Message})");
        }
        string type = metadata.TryGetProperty("embedding_type", out var t) ? t.GetString() ?? "" : "";
        if (type is not ("scene" or "event")) throw new DatasetException(metadataPath, $"embedding_type '{type}' is neither scene nor event");
        string name = metadata.TryGetProperty("task_name", out var n) ? n.GetString() ?? Path.GetFileName(directory) : Path.GetFileName(directory);
        return new HearTask(directory, name, type, SplitsOf(metadata, directory));
    }

    /// <summary>The split names: the metadata's `splits`, else train/valid/test or fold00.. by split_mode, else the split JSONs present.</summary>
    static List<string> SplitsOf(JsonElement metadata, string directory)
    {
        if (metadata.TryGetProperty("splits", out var splits) && splits.ValueKind == JsonValueKind.Array)
            return splits.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : s.GetProperty("name").GetString()!).ToList();
        string mode = metadata.TryGetProperty("split_mode", out var m) ? m.GetString() ?? "" : "";
        if (mode == "trainvaltest") return ["train", "valid", "test"];
        if (mode.EndsWith("kfold") && metadata.TryGetProperty("nfolds", out var folds))
            return Enumerable.Range(0, folds.GetInt32()).Select(i => $"fold{i:D2}").ToList();
        return System.IO.Directory.GetFiles(directory, "*.json").Select(Path.GetFileNameWithoutExtension).Where(s => s != "task_metadata").Order(StringComparer.Ordinal).ToList()!;
    }

    /// <summary>The audio directory of a split: 16 kHz when there, else the first rate present (resampled on reading).</summary>
    public string AudioDirectory(string split)
    {
        string preferred = Path.Combine(Directory, "16000", split);
        if (System.IO.Directory.Exists(preferred)) return preferred;
        var other = System.IO.Directory.GetDirectories(Directory).Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d => Path.Combine(d, split)).FirstOrDefault(System.IO.Directory.Exists);
        return other ?? throw new DatasetException(preferred, "audio directory not found");
    }
}
