namespace Cacophony.Model.Captioning;

/// <summary>Picks the next token from one row of logits: the argmax, or a seeded sample.</summary>
public static class TokenSampler
{
    /// <summary>The index of the largest logit (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>
    /// A sample from softmax(logits / temperature) restricted to the top k tokens (k &gt; 0) and then to the
    /// smallest most-likely set reaching probability p (p &lt; 1), the order of Hugging Face's warpers.
    /// Probabilities in float64; ties keep the lower token id first, so the draw is fully determined by the rng.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, int topK, float topP, ref SplitMix64 rng)
    {
        int n = logits.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var copy = logits.ToArray();
        Array.Sort(order, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
        int kept = topK > 0 ? Math.Min(topK, n) : n;
        var weights = new double[kept];
        double max = copy[order[0]] / (double)temperature, sum = 0;
        for (int i = 0; i < kept; i++) sum += weights[i] = Math.Exp(copy[order[i]] / (double)temperature - max);
        if (topP < 1)
        {
            // Keep tokens while the probability before them is below p (the first always stays).
            double cumulative = 0;
            int cut = 0;
            while (cut < kept && cumulative < topP * sum) cumulative += weights[cut++];
            kept = Math.Max(1, cut);
            sum = 0;
            for (int i = 0; i < kept; i++) sum += weights[i];
        }
        double target = rng.NextDouble() * sum, running = 0;
        for (int i = 0; i < kept; i++)
        {
            running += weights[i];
            if (target < running) return order[i];
        }
        return order[kept - 1];
    }

    /// <summary>log softmax of one row, in float64.</summary>
    public static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        double log = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < result.Length; i++) result[i] = logits[i] - log;
        return result;
    }
}
