using System.Globalization;

namespace Cacophony.Eval.Datasets;

/// <summary>
/// VGGSound test: `vggsound.csv` rows (youtube_id, start seconds, label, split; no header) and clips named
/// by a pattern, default `{id}_{start6}` (start zero-padded to 6 digits: `---g-f_I2yQ_000001`), in any
/// supported audio format under root, root/test, root/audio or root/video. Clips that are not there are
/// counted and reported (the original evaluated the 12,722 it could download).
/// </summary>
public static class VggSound
{
    public static ClassificationSet Read(string root, string pattern = "{id}_{start6}", string split = "test")
    {
        string meta = Path.Combine(root, "vggsound.csv");
        var rows = Csv.ReadFile(meta);
        string[] directories = [root, Path.Combine(root, "test"), Path.Combine(root, "audio"), Path.Combine(root, "video")];
        directories = directories.Where(Directory.Exists).ToArray();
        var clips = new List<LabeledClip>();
        var missing = new List<string>();
        foreach (var (row, number) in rows.Select((r, i) => (r, i + 1)))
        {
            if (row.Length < 4) throw new DatasetException(meta, $"line {number} has {row.Length} fields, expected youtube_id,start,label,split");
            if (row[3].Trim() != split) continue;
            if (!int.TryParse(row[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int start)) throw new DatasetException(meta, $"line {number}: start '{row[1]}' is not whole seconds");
            string stem = pattern.Replace("{id}", row[0].Trim()).Replace("{start6}", start.ToString("D6", CultureInfo.InvariantCulture)).Replace("{start}", start.ToString(CultureInfo.InvariantCulture));
            var path = AudioFiles.Find(directories, stem);
            if (path is not null) clips.Add(new LabeledClip(path, stem, row[2].Trim()));
            else missing.Add(stem);
        }
        return new ClassificationSet("vggsound", "This is a sound of ", clips, missing);
    }
}
