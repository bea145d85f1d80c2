namespace Cacophony.Eval.Datasets;

/// <summary>
/// AudioCaps: `&lt;split&gt;.csv` (audiocap_id, youtube_id, start_time, caption) and one clip per youtube id, named
/// `&lt;youtube_id&gt;` or `Y&lt;youtube_id&gt;` in any supported format under root, root/&lt;split&gt; or root/audio/&lt;split&gt;.
/// The captions of a clip (five in test) are grouped in file order.
/// </summary>
public static class AudioCaps
{
    public static CaptionSet Read(string root, string split = "test")
    {
        string meta = Path.Combine(root, $"{split}.csv");
        var rows = Csv.ReadFile(meta);
        if (rows.Count == 0) throw new DatasetException(meta, "is empty");
        var c = Csv.Columns(meta, rows[0], "youtube_id", "caption");
        string[] directories = [root, Path.Combine(root, split), Path.Combine(root, "audio", split), Path.Combine(root, "audio")];
        directories = directories.Where(Directory.Exists).ToArray();
        var grouped = new Dictionary<string, List<string>>();
        var order = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            string id = row[c[0]].Trim();
            if (!grouped.TryGetValue(id, out var captions)) { grouped[id] = captions = []; order.Add(id); }
            captions.Add(row[c[1]]);
        }
        var clips = new List<CaptionedClip>();
        var missing = new List<string>();
        foreach (var id in order)
        {
            var path = AudioFiles.Find(directories, id) ?? AudioFiles.Find(directories, "Y" + id);
            if (path is not null) clips.Add(new CaptionedClip(path, id, grouped[id]));
            else missing.Add(id);
        }
        return new CaptionSet("audiocaps", clips, missing);
    }
}
