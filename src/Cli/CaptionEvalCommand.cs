using System.CommandLine;
using Cacophony.Eval;
using Cacophony.Eval.Datasets;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Cli;

/// <summary><c>cacophony caption-eval --model DIR --dataset clotho --root PATH [--split evaluation] [decoding options]</c></summary>
static class CaptionEvalCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var shared = new EvaluationOptionSet();
        var decoding = new DecodingOptionSet();
        var dataset = new Option<string>("--dataset") { Description = "clotho", Required = true };
        dataset.AcceptOnlyFromAmong("clotho");
        var split = new Option<string>("--split") { Description = "evaluation (default), validation or development", DefaultValueFactory = _ => "evaluation" };
        var meteorJar = new Option<string?>("--meteor-jar") { Description = "meteor-1.5.jar (with its data/ folder beside it, as pycocoevalcap ships it): compute METEOR" };
        var spiceJar = new Option<string?>("--spice-jar") { Description = "spice-1.0.jar (with Stanford CoreNLP in its lib/ folder): compute SPICE and SPIDEr" };
        var java = new Option<string?>("--java") { Description = "the java executable for the jars (default: $JAVA_HOME/bin/java, then java on PATH)" };
        var command = new Command("caption-eval", "Caption a dataset and score the captions: BLEU-1..4, ROUGE-L, CIDEr-D; METEOR, SPICE, SPIDEr with their jars (DCASE-format CSVs).")
        {
            dataset, split, meteorJar, spiceJar, java,
        };
        model.AddTo(command);
        shared.AddTo(command);
        decoding.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var javaMetrics = new JavaMetricOptions(parse.GetValue(meteorJar), parse.GetValue(spiceJar), parse.GetValue(java));
            javaMetrics.Check(); // a wrong jar is reported before the model loads (file checks only; Run checks again for library callers)
            var set = Clotho.Read(parse.GetValue(shared.Root)!, parse.GetValue(split)!);
            var options = shared.Read(parse, "caption-eval", parse.GetValue(dataset)!, SequencePolicy.RetrievalAndCaptioning);
            var decodingOptions = decoding.Read(parse, shared.Seed(parse),
                options.Protocol == EvaluationProtocol.Original ? OriginalProtocol.CaptionTokens : OriginalProtocol.CorrectedCaptionTokens);
            if (set.Missing.Count > 0) Console.Error.WriteLine($"{set.Missing.Count} listed clips are missing (first: {set.Missing[0]}); evaluating the {set.Clips.Count} present");
            using var cacophony = model.Load(parse);
            var progress = new ProgressLine(ClipRun.ClipsOfThisProcess(options, set.Clips.Select(c => c.Path).ToList()), "clips");
            if (CaptionEvaluation.Run(cacophony, set, decodingOptions, options, progress.Advance, javaMetrics) is not { } report) return EvaluationOptionSet.ReportPart(options, "caption-eval");
            Console.WriteLine($"{set.Name}: {report.Clips} clips captioned ({decodingOptions.Strategy.ToString().ToLowerInvariant()}, at most {decodingOptions.MaxTokens} tokens)");
            foreach (var line in report.Protocol.Describe()) Console.WriteLine($"  {line}");
            Console.WriteLine($"  BLEU-1 {report.Bleu[0]:F4}  BLEU-2 {report.Bleu[1]:F4}  BLEU-3 {report.Bleu[2]:F4}  BLEU-4 {report.Bleu[3]:F4}");
            Console.WriteLine($"  ROUGE-L {report.RougeL:F4}  CIDEr-D {report.CiderD:F4}");
            Console.WriteLine(report.Meteor is double meteor ? $"  METEOR {meteor:F4}" : "  METEOR: skipped (give --meteor-jar)");
            Console.WriteLine(report.Spice is double spice ? $"  SPICE {spice:F4}  SPIDEr {report.Spider:F4}" : "  SPICE, SPIDEr: skipped (give --spice-jar)");
            if (report.Missing > 0 || report.Unreadable > 0) Console.WriteLine($"  not evaluated: {report.Missing} missing, {report.Unreadable} unreadable (unreadable.csv)");
            Console.WriteLine($"  results in {options.OutputDirectory}: results.json, predictions.csv, gt.csv, per_clip.csv, captions.csv");
            return report.Unreadable == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }
}
