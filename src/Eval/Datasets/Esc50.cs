namespace Cacophony.Eval.Datasets;

/// <summary>
/// ESC-50 (github.com/karolpiczak/ESC-50): `audio/*.wav` and `meta/esc50.csv` (filename, fold, target,
/// category, ...). The label is the `category` column as written, underscores kept, as the original does.
/// </summary>
public static class Esc50
{
    public static ClassificationSet Read(string root, IReadOnlySet<int>? folds = null)
    {
        string meta = Path.Combine(root, "meta", "esc50.csv");
        var rows = Csv.ReadFile(meta);
        if (rows.Count == 0) throw new DatasetException(meta, "is empty");
        var c = Csv.Columns(meta, rows[0], "filename", "fold", "category");
        var clips = new List<LabeledClip>();
        var missing = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            if (!int.TryParse(row[c[1]], out int fold)) throw new DatasetException(meta, $"fold '{row[c[1]]}' of {row[c[0]]} is not a number");
            if (folds is not null && !folds.Contains(fold)) continue;
            string path = Path.Combine(root, "audio", row[c[0]]);
            if (File.Exists(path)) clips.Add(new LabeledClip(path, row[c[0]], row[c[2]]));
            else missing.Add(path);
        }
        return new ClassificationSet("esc50", "This is a sound of ", clips, missing);
    }
}
