using System.Globalization;
using System.Text.Json;
using Cacophony.Eval.Datasets;
using Cacophony.Eval.Metrics;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <param name="TextToAudio">Under the run's protocol: <see cref="TextToAudioByCaptionString"/> (original) or <see cref="TextToAudioByOwnClip"/> (corrected).</param>
public sealed record RetrievalReport(RetrievalScores TextToAudio, RetrievalScores AudioToText, int Clips, int Captions, int Listed, int Missing, int Unreadable,
    RetrievalScores TextToAudioByCaptionString, RetrievalScores TextToAudioByOwnClip, ProtocolNotes Protocol);

/// <summary>
/// Text-to-audio and audio-to-text retrieval as the original's eval_caco + eval_utils: clips in the 30 s
/// setting (sequence 1500), captions tokenized to at most 100 tokens, cosine similarity of normalized
/// embeddings. Audio embeddings are logged as they are computed (audio_embeddings.partial.csv), so
/// `--resume` only encodes the clips not done. Writes text_to_audio.csv and audio_to_text.csv (rank of the
/// first correct item per query, 1-based, 0 beyond 10) and results.json.
/// </summary>
public static class RetrievalEvaluation
{
    static readonly string[] EmbeddingHeader = ["file", "embedding"];

    /// <returns>The scores; null when this process computed one shard's part (its manifest says what it covered).</returns>
    public static RetrievalReport? Run(CacophonyModel model, CaptionSet set, EvaluationOptions options, Action<int>? advanced = null)
    {
        var clips = options.Limit is int limit ? set.Clips.Take(limit).ToList() : set.Clips.ToList();
        var inv = CultureInfo.InvariantCulture;
        if (ClipRun.Open(options, "retrieval", "audio_embeddings", EmbeddingHeader, clips.Select(c => (c.Path, c.Id)).ToList()) is not { } run) return null;
        var (files, log) = (run.Files, run.Log);
        // "R" round-trips float32 exactly, so a resumed (or sharded) run ranks exactly as an uninterrupted one.
        log.Process(model, run.Clips, options.Policy ?? SequencePolicy.RetrievalAndCaptioning, options.BatchSize,
            batch => batch.Select(b => new[] { run.Clips[b.Index].Id, string.Join(' ', b.Audio.Normalized.Select(v => v.ToString("R", inv))) }), advanced,
            OriginalProtocol.AssumedSampleRate(options.Protocol, set.Name));
        if (run.SealedShard()) return null;
        var audio = log.Done.ToDictionary(p => p.Key, p => p.Value[1].Split(' ').Select(v => float.Parse(v, inv)).ToArray());
        var failed = log.Failed;

        var evaluated = clips.Where(c => audio.ContainsKey(c.Id)).ToList();
        var captions = evaluated.SelectMany((c, clip) => c.Captions.Select(text => (Text: text, Clip: clip))).ToList();
        var textEmbeddings = captions.Select(c => c.Text).Chunk(64).SelectMany(chunk => model.EmbedText(chunk, model.Config.Preprocessing.MaxTextLen)).ToArray();
        int a = evaluated.Count, t = captions.Count;
        var textToAudio = new float[t * a];
        var audioToText = new float[a * t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < a; j++)
                textToAudio[i * a + j] = audioToText[j * t + i] = (float)Embedding.Cosine(textEmbeddings[i], audio[evaluated[j].Id]);

        // Text to audio. The original keys the correct clip by caption string (gt_text_audio[text] = clip, in
        // dataset order), so a caption shared by several clips counts only for the last one listed with it; the
        // corrected protocol credits each caption to its own clip. Both are reported; the protocol picks the headline.
        var lastClipOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var caption in captions) lastClipOf[caption.Text] = caption.Clip;
        var correctClip = captions.Select(c => options.Protocol == EvaluationProtocol.Original ? lastClipOf[c.Text] : c.Clip).ToArray();
        var t2aByString = RetrievalMetrics.Compute(textToAudio, t, a, captions.Select(c => (IReadOnlySet<int>)new HashSet<int> { lastClipOf[c.Text] }).ToList());
        var t2aByClip = RetrievalMetrics.Compute(textToAudio, t, a, captions.Select(c => (IReadOnlySet<int>)new HashSet<int> { c.Clip }).ToList());
        var t2a = options.Protocol == EvaluationProtocol.Original ? t2aByString : t2aByClip;
        // Audio to text: as the original, captions are compared as strings and each string counts once.
        var identity = new Dictionary<string, int>();
        var keyIdentity = captions.Select(c => identity.TryGetValue(c.Text, out int id) ? id : identity[c.Text] = identity.Count).ToArray();
        var relevant = evaluated.Select(c => (IReadOnlySet<int>)c.Captions.Select(text => identity[text]).ToHashSet()).ToList();
        var a2t = RetrievalMetrics.Compute(audioToText, a, t, relevant, keyIdentity);

        files.WriteAtomically("text_to_audio.csv", "caption,clip,rank\n" + string.Concat(captions.Select((c, i) =>
            $"{Csv.Quote(c.Text)},{Csv.Quote(evaluated[c.Clip].Id)},{FirstHit(textToAudio.AsSpan(i * a, a), key => key == correctClip[i])}\n")));
        files.WriteAtomically("audio_to_text.csv", "clip,rank\n" + string.Concat(evaluated.Select((c, j) =>
            $"{Csv.Quote(c.Id)},{FirstHit(audioToText.AsSpan(j * t, t), key => relevant[j].Contains(keyIdentity[key]))}\n")));
        var report = new RetrievalReport(t2a, a2t, a, t, set.Clips.Count + set.Missing.Count, set.Missing.Count, clips.Count(c => failed.ContainsKey(c.Id)),
            t2aByString, t2aByClip, ProtocolNotes.Of(options, set.Name, log));
        files.WriteAtomically("results.json", JsonText.Serialize(new RetrievalResultsJson("retrieval", set.Name, report.Protocol.ToJson(),
            a, t, report.Listed, report.Missing, report.Unreadable,
            Json(t2a, laion: false), Json(t2aByString, laion: false), Json(t2aByClip, laion: false), Json(a2t, laion: true)), JsonText.Results));
        log.Finish();
        return report;
    }

    static int FirstHit(ReadOnlySpan<float> scores, Func<int, bool> correct)
    {
        var top = RetrievalMetrics.TopK(scores, 10);
        for (int r = 0; r < top.Length; r++)
            if (correct(top[r])) return r + 1;
        return 0;
    }

    static RetrievalScoresJson Json(RetrievalScores s, bool laion)
    {
        static IntervalJson I(Interval i) => new(i.Estimate, [i.Low, i.High]);
        var laionMap = laion && s.MeanAveragePrecision10OverRelevant is { } l ? I(l) : null;
        return new(I(s.R1), I(s.R5), I(s.R10), I(s.MeanAveragePrecision10), laionMap);
    }
}
