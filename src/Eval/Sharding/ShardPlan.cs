namespace Cacophony.Eval.Sharding;

/// <summary>
/// The deterministic split of a job's inputs: sorted ordinally by key, then cut into contiguous runs of about equal
/// weight (file size or duration, not count), so that shards take about equal time and their parts, concatenated in
/// shard order, are the single run's order. An input whose weight straddles a cut goes to the shard where its
/// middle falls.
/// </summary>
public static class ShardPlan
{
    /// <summary>The inputs of <paramref name="shard"/>, in the sorted order.</summary>
    public static List<T> Select<T>(IEnumerable<T> inputs, Func<T, string> key, Func<T, double> weight, Shard shard)
    {
        var sorted = inputs.OrderBy(key, StringComparer.Ordinal).ToList();
        if (shard.IsWhole) return sorted;
        var weights = sorted.Select(i => Math.Max(0, weight(i))).ToArray();
        double total = weights.Sum();
        var chosen = new List<T>();
        double before = 0;
        for (int i = 0; i < sorted.Count; i++)
        {
            // Zero total weight (empty files): fall back to counting.
            double middle = total > 0 ? (before + weights[i] / 2) / total : (i + 0.5) / sorted.Count;
            before += weights[i];
            if (Math.Min(shard.Count - 1, (int)Math.Floor(middle * shard.Count)) == shard.Index) chosen.Add(sorted[i]);
        }
        return chosen;
    }
}
