namespace Cacophony.Eval.Metrics;

/// <summary>R@1, R@5, R@10 and mAP@10 over queries, each with its jackknife interval.</summary>
public sealed record RetrievalScores(Interval R1, Interval R5, Interval R10, Interval MeanAveragePrecision10, Interval? MeanAveragePrecision10OverRelevant);

/// <summary>
/// Retrieval metrics as the original's eval_utils.compute_retrieval_metric: for each query, the top 10 keys
/// by score; hit flags (a key counts once); R@k = any hit in the first k; AP@10 = mean over the hits found of
/// (hits so far / rank), 0 without hits. That divides by the number of hits found, not the number of
/// relevant items; the LAION-CLAP convention divides by the relevant count (5 captions per clip for
/// audio-to-text) and is reported beside it, labelled.
/// </summary>
public static class RetrievalMetrics
{
    /// <param name="scores">queries x keys similarity matrix, row-major.</param>
    /// <param name="relevant">for each query, the identities of the correct keys.</param>
    /// <param name="keyIdentity">identity of each key (default: its index). The original compares caption
    /// strings for audio-to-text: equal strings are one identity, counted once per query.</param>
    public static RetrievalScores Compute(float[] scores, int queries, int keys, IReadOnlyList<IReadOnlySet<int>> relevant, int[]? keyIdentity = null)
    {
        var r1 = new double[queries];
        var r5 = new double[queries];
        var r10 = new double[queries];
        var ap = new double[queries];
        var apOverRelevant = new double[queries];
        for (int q = 0; q < queries; q++)
        {
            var top = TopK(scores.AsSpan(q * keys, keys), 10);
            var counted = new HashSet<int>();
            var hits = top.Select(key => keyIdentity?[key] ?? key).Select(id => relevant[q].Contains(id) && counted.Add(id)).ToArray();
            r1[q] = hits.Take(1).Any(h => h) ? 1 : 0;
            r5[q] = hits.Take(5).Any(h => h) ? 1 : 0;
            r10[q] = hits.Take(10).Any(h => h) ? 1 : 0;
            double precisionSum = 0;
            int found = 0;
            for (int rank = 0; rank < hits.Length; rank++)
                if (hits[rank]) precisionSum += (double)++found / (rank + 1);
            ap[q] = found == 0 ? 0 : precisionSum / found;
            apOverRelevant[q] = relevant[q].Count == 0 ? 0 : precisionSum / Math.Min(relevant[q].Count, 10);
        }
        return new RetrievalScores(Jackknife.Mean(r1), Jackknife.Mean(r5), Jackknife.Mean(r10), Jackknife.Mean(ap), Jackknife.Mean(apOverRelevant));
    }

    /// <summary>Indices of the k largest scores, best first; ties keep the lower index first (a stable sort, as argsort of -scores).</summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        var copy = scores.ToArray();
        return Enumerable.Range(0, copy.Length).OrderByDescending(i => copy[i]).ThenBy(i => i).Take(k).ToArray();
    }
}
