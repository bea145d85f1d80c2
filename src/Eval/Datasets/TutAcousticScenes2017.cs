namespace Cacophony.Eval.Datasets;

/// <summary>
/// TUT Acoustic Scenes 2017: the development and evaluation packages, each a directory with `audio/` and a
/// tab-separated `meta.txt` (relative file, scene label, ...); an evaluation package without meta.txt is
/// read from `evaluation_setup/evaluate.txt` (same columns). `root` is one package or a directory holding
/// `TUT-acoustic-scenes-2017-development` and/or `-evaluation`. Labels get spaces for underscores
/// ("residential area"); the prompt prefix is "This is a sound on ", the original's choice for this set.
/// </summary>
public static class TutAcousticScenes2017
{
    public static ClassificationSet Read(string root, string split = "all")
    {
        if (split is not ("development" or "evaluation" or "all")) throw new ArgumentException($"--split must be development, evaluation or all for tut2017, not {split}");
        var packages = new List<string>();
        foreach (var name in new[] { "development", "evaluation" })
        {
            if (split != "all" && split != name) continue;
            string package = Path.Combine(root, $"TUT-acoustic-scenes-2017-{name}");
            if (Directory.Exists(package)) packages.Add(package);
        }
        if (packages.Count == 0)
        {
            if (File.Exists(Path.Combine(root, "meta.txt")) || File.Exists(Path.Combine(root, "evaluation_setup", "evaluate.txt"))) packages.Add(root);
            else throw new DatasetException(Path.Combine(root, split == "all" ? "TUT-acoustic-scenes-2017-development" : $"TUT-acoustic-scenes-2017-{split}"), "not found (nor a meta.txt in the root)");
        }
        var clips = new List<LabeledClip>();
        var missing = new List<string>();
        foreach (var package in packages)
        {
            string meta = Path.Combine(package, "meta.txt");
            if (!File.Exists(meta)) meta = Path.Combine(package, "evaluation_setup", "evaluate.txt");
            if (!File.Exists(meta)) throw new DatasetException(Path.Combine(package, "meta.txt"), "not found");
            foreach (var (line, number) in File.ReadLines(meta).Select((l, i) => (l, i + 1)))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                var fields = line.Split('\t');
                if (fields.Length < 2) throw new DatasetException(meta, $"line {number} has no tab-separated scene label");
                string path = Path.Combine(package, fields[0].Trim());
                if (File.Exists(path)) clips.Add(new LabeledClip(path, fields[0].Trim(), fields[1].Trim().Replace('_', ' ')));
                else missing.Add(path);
            }
        }
        return new ClassificationSet("tut2017", "This is a sound on ", clips, missing);
    }
}
