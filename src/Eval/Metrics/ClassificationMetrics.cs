namespace Cacophony.Eval.Metrics;

/// <summary>Accuracy and its per-class split, with the confusion matrix (rows: true class, columns: predicted).</summary>
public sealed record ClassificationScores(double Top1, double Top5, int Clips, IReadOnlyList<string> Classes, double[] PerClassAccuracy, int[] PerClassCount, int[,] Confusion);

public static class ClassificationMetrics
{
    /// <param name="truth">true class index per clip.</param>
    /// <param name="ranked">class indices per clip, best first (at least 5, or all classes when fewer).</param>
    public static ClassificationScores Compute(IReadOnlyList<string> classes, IReadOnlyList<int> truth, IReadOnlyList<int[]> ranked)
    {
        int n = truth.Count, c = classes.Count;
        var confusion = new int[c, c];
        var correct = new int[c];
        var count = new int[c];
        int top1 = 0, top5 = 0;
        for (int i = 0; i < n; i++)
        {
            int t = truth[i], p = ranked[i][0];
            confusion[t, p]++;
            count[t]++;
            if (p == t) { top1++; correct[t]++; }
            if (ranked[i].Take(5).Contains(t)) top5++;
        }
        var perClass = Enumerable.Range(0, c).Select(k => count[k] == 0 ? double.NaN : (double)correct[k] / count[k]).ToArray();
        return new ClassificationScores(n == 0 ? double.NaN : (double)top1 / n, n == 0 ? double.NaN : (double)top5 / n, n, classes, perClass, count, confusion);
    }
}
