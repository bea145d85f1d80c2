namespace Cacophony.Eval.CaptionMetrics;

/// <summary>
/// ROUGE-L as pycocoevalcap's Rouge: per candidate, the longest common subsequence with each reference;
/// precision and recall maximised over the references separately; F = (1 + b^2) P R / (R + b^2 P), b = 1.2;
/// the corpus score is the mean over candidates.
/// </summary>
public static class RougeL
{
    const double Beta = 1.2;

    public static double Score(string[] candidate, IReadOnlyList<string[]> references)
    {
        double precision = 0, recall = 0;
        foreach (var reference in references)
        {
            int lcs = LongestCommonSubsequence(candidate, reference);
            if (candidate.Length > 0) precision = Math.Max(precision, (double)lcs / candidate.Length);
            if (reference.Length > 0) recall = Math.Max(recall, (double)lcs / reference.Length);
        }
        return precision != 0 && recall != 0 ? (1 + Beta * Beta) * precision * recall / (recall + Beta * Beta * precision) : 0;
    }

    static int LongestCommonSubsequence(string[] a, string[] b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        foreach (var token in a)
        {
            for (int j = 1; j <= b.Length; j++)
                current[j] = token == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
