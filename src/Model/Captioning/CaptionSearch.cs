namespace Cacophony.Model.Captioning;

/// <summary>
/// One written caption: the generated token ids (after &lt;s&gt;, with the closing &lt;/s&gt; when it came), the
/// logit of each chosen token, and for beam search the hypothesis score (log p / length^penalty).
/// </summary>
public sealed record CaptionTokens(int[] Tokens, float[] ChosenLogits, double Score);

/// <summary>
/// The decoding loops over <see cref="CaptionDecoder"/>. All clips of a call decode together: each step is one
/// batched decoder pass over every unfinished caption (or beam); finished ones drop out.
/// </summary>
public static class CaptionSearch
{
    public const int Bos = 0, Eos = 2;

    /// <param name="streams">Sampling stream of each clip (default: its index): a clip samples the same tokens
    /// whatever batch it is in, when it keeps its stream number (e.g. its file's index).</param>
    public static CaptionTokens[] Run(CaptionDecoder decoder, IReadOnlyList<DecoderMemory> clips, DecodingOptions options, IReadOnlyList<ulong>? streams = null)
    {
        options.Validate();
        if (streams is not null && streams.Count != clips.Count) throw new ArgumentException("one sampling stream per clip");
        streams ??= Enumerable.Range(0, clips.Count).Select(i => (ulong)i).ToArray();
        return options.Strategy == DecodingStrategy.Beam ? Beam(decoder, clips, options) : Sequential(decoder, clips, options, streams);
    }

    /// <summary>Greedy or sampled: one token per clip per step.</summary>
    static CaptionTokens[] Sequential(CaptionDecoder decoder, IReadOnlyList<DecoderMemory> clips, DecodingOptions options, IReadOnlyList<ulong> streams)
    {
        int n = clips.Count, vocab = decoder.VocabSize;
        var states = clips.Select(decoder.Start).ToArray();
        var tokens = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        var chosen = Enumerable.Range(0, n).Select(_ => new List<float>()).ToArray();
        var rngs = Enumerable.Range(0, n).Select(i => SplitMix64.ForStream(options.Seed, streams[i])).ToArray();
        var active = Enumerable.Range(0, n).ToList();
        while (active.Count > 0)
        {
            var logits = decoder.Step(active.Select(i => states[i]).ToArray(), active.Select(i => new[] { tokens[i].Count == 0 ? Bos : tokens[i][^1] }).ToArray());
            var still = new List<int>(active.Count);
            for (int a = 0; a < active.Count; a++)
            {
                int i = active[a];
                var row = logits.AsSpan(a * vocab, vocab);
                int next = options.Strategy == DecodingStrategy.Sample
                    ? TokenSampler.Sample(row, options.Temperature, options.TopK, options.TopP, ref rngs[i])
                    : TokenSampler.ArgMax(row);
                tokens[i].Add(next);
                chosen[i].Add(row[next]);
                if (next != Eos && tokens[i].Count < options.MaxTokens) still.Add(i);
                else states[i].Dispose();
            }
            active = still;
        }
        return Enumerable.Range(0, n).Select(i => new CaptionTokens(tokens[i].ToArray(), chosen[i].ToArray(), double.NaN)).ToArray();
    }

    sealed record Hypothesis(DecoderState? State, int[] Tokens, float[] Logits, double LogProbability);

    /// <summary>
    /// Beam search as Hugging Face's generate: per clip, the 2 x beams best continuations of all beams by total
    /// log-probability; one ending in &lt;/s&gt; among the first `beams` becomes a finished caption scored
    /// log p / (tokens + 1)^penalty, the rest continue. A clip is done when it has `beams` finished captions and
    /// (with early stopping, at once; otherwise) no running beam can still beat the worst of them.
    /// </summary>
    static CaptionTokens[] Beam(CaptionDecoder decoder, IReadOnlyList<DecoderMemory> clips, DecodingOptions options)
    {
        int n = clips.Count, width = options.Beams, vocab = decoder.VocabSize;
        var running = clips.Select(c => new List<Hypothesis> { new(decoder.Start(c), [], [], 0) }).ToArray();
        var finished = Enumerable.Range(0, n).Select(_ => new List<(Hypothesis Hypothesis, double Score)>()).ToArray();
        var done = new bool[n];
        double Score(double logProbability, int generated) => logProbability / Math.Pow(generated + 1, options.LengthPenalty);

        for (int step = 0; step < options.MaxTokens && done.Contains(false); step++)
        {
            var live = Enumerable.Range(0, n).Where(c => !done[c]).SelectMany(c => running[c].Select(h => (Clip: c, Hypothesis: h))).ToArray();
            var logits = decoder.Step(live.Select(x => x.Hypothesis.State!).ToArray(), live.Select(x => new[] { x.Hypothesis.Tokens.Length == 0 ? Bos : x.Hypothesis.Tokens[^1] }).ToArray());
            bool last = step == options.MaxTokens - 1;
            foreach (var clip in Enumerable.Range(0, n).Where(c => !done[c]))
            {
                var candidates = new List<(int Parent, int Token, double LogProbability, float Logit)>();
                for (int r = 0; r < live.Length; r++)
                {
                    if (live[r].Clip != clip) continue;
                    var row = logits.AsSpan(r * vocab, vocab);
                    var logProbabilities = TokenSampler.LogSoftmax(row);
                    foreach (int token in TopIndices(logProbabilities, 2 * width))
                        candidates.Add((r, token, live[r].Hypothesis.LogProbability + logProbabilities[token], row[token]));
                }
                candidates.Sort((a, b) => b.LogProbability != a.LogProbability ? b.LogProbability.CompareTo(a.LogProbability) : (a.Parent, a.Token).CompareTo((b.Parent, b.Token)));

                var next = new List<Hypothesis>(width);
                var reused = new HashSet<int>();
                for (int rank = 0; rank < candidates.Count && next.Count < width; rank++)
                {
                    var (parent, token, logProbability, logit) = candidates[rank];
                    var from = live[parent].Hypothesis;
                    int[] tokens = [.. from.Tokens, token];
                    float[] chosen = [.. from.Logits, logit];
                    if (token == Eos)
                    {
                        if (rank < width) finished[clip].Add((new Hypothesis(null, tokens, chosen, logProbability), Score(logProbability, tokens.Length)));
                        continue;
                    }
                    // The first child takes its parent's caches; further children copy them.
                    var state = reused.Add(parent) ? from.State! : from.State!.Clone();
                    next.Add(new Hypothesis(state, tokens, chosen, logProbability));
                }
                // Parents with no surviving child give their caches back.
                for (int r = 0; r < live.Length; r++)
                    if (live[r].Clip == clip && !reused.Contains(r)) live[r].Hypothesis.State!.Dispose();
                running[clip] = next;
                if (last || next.Count == 0)
                {
                    foreach (var h in next) finished[clip].Add((h, Score(h.LogProbability, h.Tokens.Length)));
                    done[clip] = true;
                }
                if (done[clip]) foreach (var h in next) h.State!.Dispose();
                else if (finished[clip].Count >= width)
                {
                    double worst = finished[clip].OrderByDescending(f => f.Score).Take(width).Min(f => f.Score);
                    double bestPossible = Score(next[0].LogProbability, next[0].Tokens.Length);
                    done[clip] = options.EarlyStopping || bestPossible <= worst;
                }
            }
        }
        return finished.Select(f =>
        {
            var (best, score) = f.OrderByDescending(x => x.Score).First();
            return new CaptionTokens(best.Tokens, best.Logits, score);
        }).ToArray();
    }

    /// <summary>The indices of the k largest values, largest first (lower index first on ties).</summary>
    static int[] TopIndices(double[] values, int k)
    {
        k = Math.Min(k, values.Length);
        var top = new List<int>(k + 1);
        for (int i = 0; i < values.Length; i++)
        {
            if (top.Count == k && values[i] <= values[top[^1]]) continue;
            int at = top.Count;
            while (at > 0 && values[top[at - 1]] < values[i]) at--;
            top.Insert(at, i);
            if (top.Count > k) top.RemoveAt(k);
        }
        return top.ToArray();
    }
}
