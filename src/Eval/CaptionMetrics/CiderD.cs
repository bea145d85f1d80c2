namespace Cacophony.Eval.CaptionMetrics;

/// <summary>
/// CIDEr-D as pycocoevalcap's Cider scorer (and aac-metrics' CIDEr-D): n = 1..4; document frequencies from
/// the evaluated references (an n-gram counts once per item); tf-idf vectors with idf = log(items) -
/// log(max(1, df)); per reference, the clipped similarity sum min(h, r) r / (|h| |r|) per n, times the
/// Gaussian length penalty exp(-(lh - lr)^2 / (2 sigma^2)), sigma 6; averaged over n and references, x 10.
/// The "length" is theirs: the count of bigrams (words - 1), as their counts2vec computes it.
/// </summary>
public static class CiderD
{
    const double Sigma = 6;
    const int MaxN = 4;

    /// <summary>Per-candidate scores; the corpus CIDEr-D is their mean.</summary>
    public static double[] Scores(IReadOnlyList<string[]> candidates, IReadOnlyList<IReadOnlyList<string[]>> references)
    {
        var documentFrequency = new Dictionary<string, int>();
        foreach (var refs in references)
            foreach (var gram in refs.SelectMany(r => Enumerable.Range(1, MaxN).SelectMany(n => NGrams.Count(r, n).Keys)).Distinct())
                documentFrequency[gram] = documentFrequency.GetValueOrDefault(gram) + 1;
        double logItems = Math.Log(references.Count);

        (Dictionary<string, double>[] Vector, double[] Norm, int Length) Vectorize(string[] tokens)
        {
            var vector = new Dictionary<string, double>[MaxN];
            var norm = new double[MaxN];
            int length = 0;
            for (int n = 1; n <= MaxN; n++)
            {
                vector[n - 1] = [];
                foreach (var (gram, tf) in NGrams.Count(tokens, n))
                {
                    double value = tf * (logItems - Math.Log(Math.Max(1, documentFrequency.GetValueOrDefault(gram))));
                    vector[n - 1][gram] = value;
                    norm[n - 1] += value * value;
                    if (n == 2) length += tf;
                }
                norm[n - 1] = Math.Sqrt(norm[n - 1]);
            }
            return (vector, norm, length);
        }

        var scores = new double[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            var (hypothesis, hypothesisNorm, hypothesisLength) = Vectorize(candidates[i]);
            double total = 0;
            foreach (var referenceTokens in references[i])
            {
                var (reference, referenceNorm, referenceLength) = Vectorize(referenceTokens);
                double delta = hypothesisLength - referenceLength;
                for (int n = 0; n < MaxN; n++)
                {
                    double value = 0;
                    foreach (var (gram, h) in hypothesis[n])
                    {
                        double r = reference[n].GetValueOrDefault(gram);
                        value += Math.Min(h, r) * r;
                    }
                    if (hypothesisNorm[n] != 0 && referenceNorm[n] != 0) value /= hypothesisNorm[n] * referenceNorm[n];
                    total += value * Math.Exp(-(delta * delta) / (2 * Sigma * Sigma));
                }
            }
            scores[i] = total / MaxN / references[i].Count * 10;
        }
        return scores;
    }
}
