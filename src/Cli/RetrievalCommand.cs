using System.CommandLine;
using Cacophony.Eval;
using Cacophony.Eval.Datasets;
using Cacophony.Eval.Metrics;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Cli;

/// <summary><c>cacophony retrieval --model DIR --dataset audiocaps|clotho --root PATH --split test|evaluation</c></summary>
static class RetrievalCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var shared = new EvaluationOptionSet();
        var dataset = new Option<string>("--dataset") { Description = "audiocaps or clotho", Required = true };
        dataset.AcceptOnlyFromAmong("audiocaps", "clotho");
        var split = new Option<string?>("--split") { Description = "audiocaps: test (default), val, train; clotho: evaluation (default), validation, development" };
        var command = new Command("retrieval", "Text-to-audio and audio-to-text retrieval (30 s setting) with 95% jackknife intervals.") { dataset, split };
        model.AddTo(command);
        shared.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string name = parse.GetValue(dataset)!, root = parse.GetValue(shared.Root)!;
            var set = name == "audiocaps" ? AudioCaps.Read(root, parse.GetValue(split) ?? "test") : Clotho.Read(root, parse.GetValue(split) ?? "evaluation");
            var options = shared.Read(parse, "retrieval", name, SequencePolicy.RetrievalAndCaptioning);
            if (set.Missing.Count > 0) Console.Error.WriteLine($"{set.Missing.Count} listed clips are missing (first: {set.Missing[0]}); evaluating the {set.Clips.Count} present");
            using var cacophony = model.Load(parse);
            var progress = new ProgressLine(ClipRun.ClipsOfThisProcess(options, set.Clips.Select(c => c.Path).ToList()), "clips");
            if (RetrievalEvaluation.Run(cacophony, set, options, progress.Advance) is not { } report) return EvaluationOptionSet.ReportPart(options, "retrieval");
            Console.WriteLine($"{set.Name}: {report.Clips} clips, {report.Captions} captions");
            foreach (var line in report.Protocol.Describe()) Console.WriteLine($"  {line}");
            Console.WriteLine($"  {"",-14} {"R@1",-22} {"R@5",-22} {"R@10",-22} {"mAP@10",-22}");
            Print("text -> audio", report.TextToAudio);
            Print("audio -> text", report.AudioToText);
            var other = report.Protocol.Protocol == EvaluationProtocol.Original ? ("each caption credited to its own clip (corrected)", report.TextToAudioByOwnClip)
                : ("a caption credited to the last clip listed with it (original)", report.TextToAudioByCaptionString);
            Console.WriteLine($"  text -> audio with {other.Item1}: R@1 {Format(other.Item2.R1)}, mAP@10 {Format(other.Item2.MeanAveragePrecision10)}");
            if (report.AudioToText.MeanAveragePrecision10OverRelevant is { } laion)
                Console.WriteLine($"  audio -> text mAP@10 divided by the relevant count (LAION-CLAP convention): {Format(laion)}");
            if (report.Missing > 0 || report.Unreadable > 0) Console.WriteLine($"  not evaluated: {report.Missing} missing, {report.Unreadable} unreadable (unreadable.csv)");
            Console.WriteLine($"  results in {options.OutputDirectory}: results.json, text_to_audio.csv, audio_to_text.csv");
            return report.Unreadable == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    static void Print(string direction, RetrievalScores s) =>
        Console.WriteLine($"  {direction,-14} {Format(s.R1),-22} {Format(s.R5),-22} {Format(s.R10),-22} {Format(s.MeanAveragePrecision10),-22}");

    static string Format(Interval i) => $"{i.Estimate:F3} [{i.Low:F3}, {i.High:F3}]";
}
