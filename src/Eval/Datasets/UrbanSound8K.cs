namespace Cacophony.Eval.Datasets;

/// <summary>
/// UrbanSound8K: `audio/fold*/*.wav` and `metadata/UrbanSound8K.csv` (slice_file_name, ..., fold, classID,
/// class). The label is the class with underscores replaced by spaces, as the original.
/// </summary>
public static class UrbanSound8K
{
    public static ClassificationSet Read(string root, IReadOnlySet<int>? folds = null)
    {
        string meta = Path.Combine(root, "metadata", "UrbanSound8K.csv");
        var rows = Csv.ReadFile(meta);
        if (rows.Count == 0) throw new DatasetException(meta, "is empty");
        var c = Csv.Columns(meta, rows[0], "slice_file_name", "fold", "class");
        var clips = new List<LabeledClip>();
        var missing = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            if (!int.TryParse(row[c[1]], out int fold)) throw new DatasetException(meta, $"fold '{row[c[1]]}' of {row[c[0]]} is not a number");
            if (folds is not null && !folds.Contains(fold)) continue;
            string path = Path.Combine(root, "audio", $"fold{fold}", row[c[0]]);
            if (File.Exists(path)) clips.Add(new LabeledClip(path, row[c[0]], row[c[2]].Replace('_', ' ')));
            else missing.Add(path);
        }
        return new ClassificationSet("us8k", "This is a sound of ", clips, missing);
    }
}
