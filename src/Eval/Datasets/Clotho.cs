namespace Cacophony.Eval.Datasets;

/// <summary>
/// Clotho v2: `clotho_captions_&lt;split&gt;.csv` (file_name, caption_1 .. caption_5) and the audio in
/// `&lt;split&gt;/` (or `clotho_audio_&lt;split&gt;/`). Captions are quoted CSV fields that may hold commas.
/// </summary>
public static class Clotho
{
    public static CaptionSet Read(string root, string split = "evaluation")
    {
        string meta = Path.Combine(root, $"clotho_captions_{split}.csv");
        var rows = Csv.ReadFile(meta);
        if (rows.Count == 0) throw new DatasetException(meta, "is empty");
        int file = Csv.Columns(meta, rows[0], "file_name")[0];
        var captionColumns = Enumerable.Range(0, rows[0].Length).Where(i => rows[0][i].Trim().StartsWith("caption_", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (captionColumns.Length == 0) throw new DatasetException(meta, "has no caption_1 .. caption_5 columns");
        string audio = Path.Combine(root, split);
        if (!Directory.Exists(audio)) audio = Path.Combine(root, $"clotho_audio_{split}");
        AudioFiles.RequireDirectory(audio);
        var clips = new List<CaptionedClip>();
        var missing = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            string path = Path.Combine(audio, row[file]);
            if (File.Exists(path)) clips.Add(new CaptionedClip(path, row[file], captionColumns.Where(i => i < row.Length).Select(i => row[i]).ToArray()));
            else missing.Add(path);
        }
        return new CaptionSet("clotho", clips, missing);
    }
}
