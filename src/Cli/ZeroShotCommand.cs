using System.CommandLine;
using Cacophony.Cli.Rendering;
using Cacophony.Eval;
using Cacophony.Eval.Datasets;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Cli;

/// <summary><c>cacophony zeroshot --model DIR --dataset esc50|us8k|tut2017|vggsound --root PATH [--prompt "This is a sound of "]</c></summary>
static class ZeroShotCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var shared = new EvaluationOptionSet();
        var dataset = new Option<string>("--dataset") { Description = "esc50, us8k, tut2017 or vggsound", Required = true };
        dataset.AcceptOnlyFromAmong("esc50", "us8k", "tut2017", "vggsound");
        var prompt = new Option<string?>("--prompt") { Description = "class prompt prefix (default: \"This is a sound of \", \"This is a sound on \" for tut2017)" };
        var folds = new Option<string?>("--folds") { Description = "esc50 / us8k: comma-separated folds to evaluate (default: all)" };
        var split = new Option<string>("--split") { Description = "tut2017: development, evaluation or all; vggsound: the csv's split column", DefaultValueFactory = _ => "" };
        var pattern = new Option<string>("--clip-pattern") { Description = "vggsound clip file name: {id}, {start}, {start6} (6-digit start)", DefaultValueFactory = _ => "{id}_{start6}" };
        var command = new Command("zeroshot", "Zero-shot classification accuracy on a dataset in its official layout (10 s setting).") { dataset, prompt, folds, split, pattern };
        model.AddTo(command);
        shared.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string name = parse.GetValue(dataset)!, root = parse.GetValue(shared.Root)!;
            var foldSet = parse.GetValue(folds) is { } text ? ParseFolds(text) : null;
            string splitName = parse.GetValue(split)!;
            var set = name switch
            {
                "esc50" => Esc50.Read(root, foldSet),
                "us8k" => UrbanSound8K.Read(root, foldSet),
                "tut2017" => TutAcousticScenes2017.Read(root, splitName is "" ? "all" : splitName),
                _ => VggSound.Read(root, parse.GetValue(pattern)!, splitName is "" ? "test" : splitName),
            };
            var options = shared.Read(parse, "zeroshot", name, SequencePolicy.ZeroShot);
            foreach (var path in set.Missing.Take(5)) Console.Error.WriteLine($"missing: {path}");
            if (set.Missing.Count > 0) Console.Error.WriteLine($"{set.Missing.Count} listed clips are missing; evaluating the {set.Clips.Count} present");
            using var cacophony = model.Load(parse);
            var progress = new ProgressLine(ClipRun.ClipsOfThisProcess(options, set.Clips.Select(c => c.Path).ToList()), "clips");
            if (ZeroShotEvaluation.Run(cacophony, set, parse.GetValue(prompt), options, progress.Advance) is not { } report) return EvaluationOptionSet.ReportPart(options, "zeroshot");
            ConfusionImage.Write(Path.Combine(options.OutputDirectory, "confusion.png"), report.Scores.Confusion);
            var s = report.Scores;
            Console.WriteLine($"{set.Name}: {s.Clips} clips, {s.Classes.Count} classes, prompt \"{report.Prompt}\"");
            foreach (var line in report.Protocol.Describe()) Console.WriteLine($"  {line}");
            Console.WriteLine($"  top-1 accuracy  {s.Top1:P2}");
            Console.WriteLine($"  top-5 accuracy  {s.Top5:P2}");
            if (report.Missing > 0 || report.Unreadable > 0) Console.WriteLine($"  not evaluated   {report.Missing} missing, {report.Unreadable} unreadable (unreadable.csv)");
            Console.WriteLine($"  results in {options.OutputDirectory}: results.json, predictions.csv, per_class.csv, confusion.csv, confusion.png");
            return report.Unreadable == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    static HashSet<int> ParseFolds(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToHashSet();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--folds: '{text}' is not a comma-separated list of fold numbers");
        }
    }
}
