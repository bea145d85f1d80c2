namespace Cacophony.Eval.CaptionMetrics;

/// <summary>
/// Corpus BLEU-1..4 as pycocoevalcap's BleuScorer with option "closest": clipped n-gram matches and
/// candidate n-gram counts summed over the corpus; the reference length of each candidate is the closest
/// reference length (the shorter on ties), summed; BLEU-n = (prod_k (match_k + 1e-15) / (count_k + 1e-9))^(1/n)
/// times the brevity penalty exp(1 - ref/cand) when the candidates are shorter.
/// </summary>
public static class Bleu
{
    public static double[] Corpus(IReadOnlyList<string[]> candidates, IReadOnlyList<IReadOnlyList<string[]>> references, int maxN = 4)
    {
        const double Tiny = 1e-15, Small = 1e-9;
        var correct = new double[maxN];
        var guessed = new double[maxN];
        double candidateLength = 0, referenceLength = 0;
        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            candidateLength += candidate.Length;
            referenceLength += references[i].Select(r => r.Length).OrderBy(l => Math.Abs(l - candidate.Length)).ThenBy(l => l).First();
            for (int n = 1; n <= maxN; n++)
            {
                var counts = NGrams.Count(candidate, n);
                var maxReference = new Dictionary<string, int>();
                foreach (var reference in references[i])
                    foreach (var (gram, c) in NGrams.Count(reference, n))
                        maxReference[gram] = Math.Max(maxReference.GetValueOrDefault(gram), c);
                correct[n - 1] += counts.Sum(p => Math.Min(p.Value, maxReference.GetValueOrDefault(p.Key)));
                guessed[n - 1] += Math.Max(0, candidate.Length - n + 1);
            }
        }
        var scores = new double[maxN];
        double product = 1;
        double ratio = (candidateLength + Tiny) / (referenceLength + Small);
        for (int n = 0; n < maxN; n++)
        {
            product *= (correct[n] + Tiny) / (guessed[n] + Small);
            scores[n] = Math.Pow(product, 1.0 / (n + 1));
            if (ratio < 1) scores[n] *= Math.Exp(1 - 1 / ratio);
        }
        return scores;
    }
}

/// <summary>n-gram counts of a token sequence, n-grams keyed by their space-joined tokens.</summary>
static class NGrams
{
    public static Dictionary<string, int> Count(string[] tokens, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= tokens.Length; i++)
        {
            string gram = string.Join(' ', tokens, i, n);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
