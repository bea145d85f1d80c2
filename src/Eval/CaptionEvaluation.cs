using System.Text.Json;
using Cacophony.Eval.CaptionMetrics;
using Cacophony.Eval.CaptionMetrics.Java;
using Cacophony.Eval.Datasets;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

public sealed record CaptionReport(double[] Bleu, double RougeL, double CiderD, double? Meteor, double? Spice, int Clips, int Listed, int Missing, int Unreadable,
    ProtocolNotes Protocol)
{
    /// <summary>SPIDEr = (CIDEr-D + SPICE) / 2, when SPICE ran.</summary>
    public double? Spider => Spice is double spice ? (CiderD + spice) / 2 : null;
}

/// <summary>Where the Java metrics' jars are; a null jar means that metric is skipped.</summary>
public sealed record JavaMetricOptions(string? MeteorJar = null, string? SpiceJar = null, string? Java = null)
{
    /// <summary>The Java that runs the named jars (null when none is named); a missing jar or Java throws.</summary>
    public JavaRuntime? Check()
    {
        if (MeteorJar is null && SpiceJar is null) return null;
        foreach (var jar in new[] { MeteorJar, SpiceJar }.OfType<string>()) JavaRuntime.RequireJar(jar);
        return JavaRuntime.Find(Java);
    }
}

/// <summary>
/// Captioning evaluation on Clotho as the original's eval_caco audio_captioning, fixed: every clip is written
/// (the original's writer replaced its first prediction with the header row). Captions are decoded in the
/// 30 s setting (sequence 1500) with the given decoding options (clip i samples from stream i); DCASE-format
/// predictions.csv (file_name, caption_predicted) and gt.csv (file_name, caption_reference_01..05); BLEU-1..4,
/// ROUGE-L and CIDEr-D on PTB-tokenized, lower-cased text without punctuation; per_clip.csv with each clip's
/// ROUGE-L and CIDEr-D. METEOR and SPICE (thus SPIDEr) run through their Java jars when the user names them
/// (<see cref="JavaMetricOptions"/>), on the same tokenized text; otherwise they are reported as skipped.
/// </summary>
public static class CaptionEvaluation
{
    static readonly string[] CaptionHeader = ["file_name", "caption_predicted", "tokens"];

    /// <returns>The scores; null when this process computed one shard's part (its manifest says what it covered).</returns>
    public static CaptionReport? Run(CacophonyModel model, CaptionSet set, DecodingOptions decoding, EvaluationOptions options, Action<int>? advanced = null,
        JavaMetricOptions? javaMetrics = null)
    {
        javaMetrics ??= new JavaMetricOptions();
        // A wrong jar path is found before hours of captioning, not after.
        var java = javaMetrics.Check();
        _ = model.Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
        decoding.Validate();
        var clips = options.Limit is int limit ? set.Clips.Take(limit).ToList() : set.Clips.ToList();
        if (ClipRun.Open(options, "caption-eval", "captions", CaptionHeader, clips.Select(c => (c.Path, c.Id)).ToList()) is not { } run) return null;
        var (files, log) = (run.Files, run.Log);
        // Each clip's sampling stream is keyed by its index in the job, so a shard samples as the single run does.
        log.Process(model, run.Clips, options.Policy ?? SequencePolicy.RetrievalAndCaptioning, options.BatchSize, batch =>
        {
            var captions = model.Caption(batch.Select(b => b.Audio).ToList(), decoding, batch.Select(b => (ulong)run.Indices[b.Index]).ToList());
            return batch.Select((b, k) => new[] { run.Clips[b.Index].Id, captions[k].Text, string.Join(' ', captions[k].Tokens.Tokens) });
        }, advanced, OriginalProtocol.AssumedSampleRate(options.Protocol, set.Name));
        if (run.SealedShard()) return null;

        var evaluated = clips.Where(c => log.Done.ContainsKey(c.Id)).ToList();
        var predicted = evaluated.Select(c => log.Done[c.Id][1]).ToList();
        int referenceCount = Math.Max(5, evaluated.Count == 0 ? 0 : evaluated.Max(c => c.Captions.Count));
        files.WriteAtomically("predictions.csv", "file_name,caption_predicted\n" + string.Concat(evaluated.Select((c, i) => Csv.Line([c.Id, predicted[i]]) + "\n")));
        files.WriteAtomically("gt.csv", Csv.Line(["file_name", .. Enumerable.Range(1, referenceCount).Select(k => $"caption_reference_{k:D2}")]) + "\n"
            + string.Concat(evaluated.Select(c => Csv.Line([c.Id, .. c.Captions, .. Enumerable.Repeat("", referenceCount - c.Captions.Count)]) + "\n")));

        var candidates = predicted.Select(PtbTokenizer.Tokenize).ToList();
        var references = evaluated.Select(c => (IReadOnlyList<string[]>)c.Captions.Select(PtbTokenizer.Tokenize).ToList()).ToList();
        double[] bleu = evaluated.Count == 0 ? [double.NaN, double.NaN, double.NaN, double.NaN] : Bleu.Corpus(candidates, references);
        var rouge = candidates.Select((c, i) => RougeL.Score(c, references[i])).ToArray();
        var cider = evaluated.Count == 0 ? [] : CiderD.Scores(candidates, references);
        if (evaluated.Count == 0) java = null;
        var meteor = java is null || javaMetrics.MeteorJar is null ? null : Meteor.Score(java, javaMetrics.MeteorJar, candidates, references);
        var spice = java is null || javaMetrics.SpiceJar is null ? null
            : Spice.Score(java, javaMetrics.SpiceJar, candidates, references, options.OutputDirectory, Path.Combine(options.OutputDirectory, "spice-cache"));

        var perClipHeader = new List<string> { "file_name", "caption_predicted", "rouge_l", "cider_d" };
        if (meteor is not null) perClipHeader.Add("meteor");
        if (spice is not null) perClipHeader.Add("spice");
        files.WriteAtomically("per_clip.csv", Csv.Line(perClipHeader) + "\n" + string.Concat(evaluated.Select((c, i) =>
        {
            var row = new List<string> { c.Id, predicted[i], Number(rouge[i]), Number(cider[i]) };
            if (meteor is not null) row.Add(Number(meteor.Items[i]));
            if (spice is not null) row.Add(Number(spice.Items[i]));
            return Csv.Line(row) + "\n";
        })));
        var report = new CaptionReport(bleu, rouge.DefaultIfEmpty(double.NaN).Average(), cider.DefaultIfEmpty(double.NaN).Average(), meteor?.Corpus, spice?.Corpus, evaluated.Count,
            set.Clips.Count + set.Missing.Count, set.Missing.Count, clips.Count(c => log.Failed.ContainsKey(c.Id)),
            ProtocolNotes.Of(options, set.Name, log));
        files.WriteAtomically("results.json", JsonText.Serialize(new CaptionResultsJson("caption-eval", set.Name, report.Protocol.ToJson(),
            new DecodingJson(decoding.Strategy.ToString().ToLowerInvariant(), decoding.MaxTokens, decoding.Temperature, decoding.TopK, decoding.TopP, decoding.Seed, decoding.Beams, decoding.LengthPenalty),
            bleu[0], bleu[1], bleu[2], bleu[3], report.RougeL, report.CiderD,
            report.Meteor is double m ? m : "skipped: give --meteor-jar (METEOR 1.5) to compute it",
            report.Spice is double sp ? sp : "skipped: give --spice-jar (SPICE 1.0) to compute it",
            report.Spider is double sd ? sd : "skipped: SPIDEr needs SPICE",
            report.Clips, report.Listed, report.Missing, report.Unreadable), JsonText.Results));
        log.Finish();
        return report;
    }

    static string Number(double value) => value.ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
}
