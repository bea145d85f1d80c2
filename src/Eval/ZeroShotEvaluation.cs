using System.Globalization;
using System.Text.Json;
using Cacophony.Eval.Datasets;
using Cacophony.Eval.Metrics;
using Cacophony.Eval.Sharding;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <summary>How an evaluation runs: where it writes, whether it resumes, how many clips and how they are batched.</summary>
/// <param name="Protocol">The original's evaluation protocol (the paper's numbers) or the corrected one (docs/EVAL.md).</param>
/// <param name="Sharding">This process's part in a job split across machines; null: the whole job.</param>
public sealed record EvaluationOptions(string OutputDirectory, bool Resume = false, int? Limit = null, int BatchSize = 8, SequencePolicy? Policy = null,
    EvaluationProtocol Protocol = EvaluationProtocol.Original, ShardRole? Sharding = null)
{
    public ShardRole Role => Sharding ?? ShardRole.Whole;
}

public sealed record ZeroShotReport(ClassificationScores Scores, int Listed, int Missing, int Unreadable, string Prompt, ProtocolNotes Protocol);

/// <summary>
/// Zero-shot classification as the original: each class becomes `prompt + label`, tokenized to at most 77
/// tokens and embedded once; each clip (10 s setting, sequence 500) is ranked against all classes by
/// exp(logit_scale) a . t. Writes predictions.csv (file, label, predicted, correct, top 5), per_class.csv,
/// confusion.csv and results.json; unreadable.csv lists clips that could not be decoded (they are counted
/// in results.json, not in the accuracy).
/// </summary>
public static class ZeroShotEvaluation
{
    static readonly string[] PredictionHeader = ["file", "label", "predicted", "correct", "top5"];

    /// <returns>The scores; null when this process computed one shard's part (its manifest says what it covered).</returns>
    public static ZeroShotReport? Run(CacophonyModel model, ClassificationSet set, string? prompt, EvaluationOptions options, Action<int>? advanced = null)
    {
        prompt ??= set.Prompt;
        var clips = options.Limit is int limit ? set.Clips.Take(limit).ToList() : set.Clips.ToList();
        if (ClipRun.Open(options, "zeroshot", "predictions", PredictionHeader, clips.Select(c => (c.Path, c.Id)).ToList()) is not { } run) return null;
        var (files, log) = (run.Files, run.Log);
        var classes = set.Clips.Select(c => c.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var classEmbeddings = model.EmbedText(classes.Select(label => prompt + label), model.Config.Preprocessing.MaxTextLenZeroShotClasses);

        log.Process(model, run.Clips, options.Policy ?? SequencePolicy.ZeroShot, options.BatchSize, batch => batch.Select(b =>
        {
            var clip = clips[run.Indices[b.Index]];
            var ranked = Rank(model, b.Audio.Normalized, classEmbeddings);
            return new[] { clip.Id, clip.Label, classes[ranked[0]], classes[ranked[0]] == clip.Label ? "1" : "0", string.Join('|', ranked.Take(5).Select(k => classes[k])) };
        }), advanced, OriginalProtocol.AssumedSampleRate(options.Protocol, set.Name));
        if (run.SealedShard()) return null;
        var (done, failed) = (log.Done, log.Failed);

        // Metrics over every evaluated clip of this run, in dataset order.
        var evaluated = clips.Where(c => done.ContainsKey(c.Id)).Select(c => done[c.Id]).ToList();
        var truth = evaluated.Select(r => classIndex[r[1]]).ToList();
        var ranks = evaluated.Select(r => r[4].Split('|').Select(l => classIndex[l]).ToArray()).ToList();
        var scores = ClassificationMetrics.Compute(classes, truth, ranks);
        var report = new ZeroShotReport(scores, set.Clips.Count + set.Missing.Count, set.Missing.Count, clips.Count(c => failed.ContainsKey(c.Id)), prompt,
            ProtocolNotes.Of(options, set.Name, log));
        WriteResults(files, set, report);
        log.Finish();
        return report;
    }

    /// <summary>Class indices by descending logit (stable: ties keep class order).</summary>
    static int[] Rank(CacophonyModel model, float[] audio, float[][] classes)
    {
        var logits = classes.Select(t => model.Logit(audio, t)).ToArray();
        return Enumerable.Range(0, classes.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
    }

    static void WriteResults(RunFiles files, ClassificationSet set, ZeroShotReport report)
    {
        var s = report.Scores;
        var inv = CultureInfo.InvariantCulture;
        files.WriteAtomically("per_class.csv", "class,clips,accuracy\n" + string.Concat(s.Classes.Select((c, i) =>
            $"{Csv.Quote(c)},{s.PerClassCount[i]},{(double.IsNaN(s.PerClassAccuracy[i]) ? "" : s.PerClassAccuracy[i].ToString("F6", inv))}\n")));
        var confusion = new System.Text.StringBuilder("true\\predicted," + Csv.Line(s.Classes) + "\n");
        for (int t = 0; t < s.Classes.Count; t++)
            confusion.Append(Csv.Quote(s.Classes[t])).Append(',').AppendJoin(',', Enumerable.Range(0, s.Classes.Count).Select(p => s.Confusion[t, p])).Append('\n');
        files.WriteAtomically("confusion.csv", confusion.ToString());
        var json = new ZeroShotResultsJson("zeroshot", set.Name, report.Protocol.ToJson(), report.Prompt, s.Top1, s.Top5,
            s.Clips, report.Listed, report.Missing, report.Unreadable, s.Classes.Count,
            s.Classes.Select((c, i) => new ClassAccuracyJson(c, s.PerClassCount[i], double.IsNaN(s.PerClassAccuracy[i]) ? null : s.PerClassAccuracy[i])).ToList());
        files.WriteAtomically("results.json", JsonText.Serialize(json, JsonText.Results));
    }
}
