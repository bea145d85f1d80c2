using System.CommandLine;
using System.Globalization;
using System.Text;
using Cacophony.Eval.Datasets;
using Cacophony.Search;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony tag --index library.cidx --labels labels.txt --out tags.csv [--top 3]</c>: zero-shot tags for every
/// indexed file (its windows' mean embedding against "This is a sound of " + label, 77 tokens), written as CSV:
/// path,rank,label,probability,logit. The CSV is written to a temporary file and renamed into place.
/// </summary>
static class TagCommand
{
    public static Command Create()
    {
        var model = new ModelOption(optional: true);
        var index = IndexCommand.IndexOption();
        var labels = new Option<string>("--labels") { Description = "file with one label per line (or, when no such file exists, comma-separated labels)", Required = true };
        var output = new Option<string>("--out") { Description = "CSV to write: path,rank,label,probability,logit", Required = true };
        var top = new Option<int>("--top") { Description = "labels per file", DefaultValueFactory = _ => 3 };
        var prompt = new Option<string?>("--prompt") { Description = "prompt put before each label (default: the model's, \"This is a sound of \")" };
        var command = new Command("tag", "Zero-shot tags for every file of an indexed library.") { index, labels, output, top, prompt };
        model.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var classes = ReadLabels(parse.GetValue(labels)!);
            string target = parse.GetValue(output)!;
            OutputPlace.CheckFile(target);
            string path = parse.GetValue(index)!;
            using var library = AudioIndex.Open(path);
            using var cacophony = model.Load(parse, library.Header.Model.Directory, IndexCommand.PrecisionOf(library.Header));
            var tags = library.Tag(cacophony, classes, parse.GetValue(top), parse.GetValue(prompt));
            var csv = new StringBuilder("path,rank,label,probability,logit\n");
            var inv = CultureInfo.InvariantCulture;
            foreach (var (file, ranked) in tags)
                for (int i = 0; i < ranked.Count; i++)
                    csv.Append(Csv.Quote(file.FullPath)).Append(',').Append(i + 1).Append(',').Append(Csv.Quote(ranked[i].Label)).Append(',')
                        .Append(ranked[i].Probability.ToString("F6", inv)).Append(',').Append(ranked[i].Logit.ToString("F4", inv)).Append('\n');
            string temporary = target + ".writing";
            File.WriteAllText(temporary, csv.ToString());
            File.Move(temporary, target, overwrite: true);
            Console.Error.WriteLine($"{target}: {tags.Count} files, {classes.Count} labels, top {parse.GetValue(top)}");
            return 0;
        }));
        return command;
    }

    static List<string> ReadLabels(string value)
    {
        var labels = File.Exists(value) ? File.ReadLines(value).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : value.Contains(',') ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList()
            : throw new ArgumentException($"{value}: labels file not found");
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count < 2) throw new ArgumentException($"{value}: zero-shot tags need at least two labels, not {distinct.Count}");
        return distinct;
    }
}
