namespace Cacophony.Eval.Metrics;

/// <summary>An estimate with its 95% jackknife interval.</summary>
public sealed record Interval(double Estimate, double Low, double High, double StandardError);

/// <summary>
/// The jackknife of the mean, as astropy.stats.jackknife_stats(x, np.mean, 0.95) in the original's
/// eval_utils: leave-one-out means theta_i, bias = (n - 1)(mean theta_i - theta), estimate = theta - bias,
/// standard error = sqrt((n - 1) mean (theta_i - mean theta_i)^2), interval = estimate -+ z se with
/// z = sqrt(2) erfinv(0.95) = 1.959963984540054.
/// </summary>
public static class Jackknife
{
    public const double Z95 = 1.959963984540054;

    public static Interval Mean(IReadOnlyList<double> values)
    {
        int n = values.Count;
        // One value has no spread to estimate (astropy divides by zero there): the interval is undefined.
        if (n < 2) return new Interval(n == 0 ? double.NaN : values[0], double.NaN, double.NaN, double.NaN);
        double sum = values.Sum(), mean = sum / n;
        var leaveOneOut = values.Select(v => (sum - v) / (n - 1)).ToArray();
        double meanOfReplicates = leaveOneOut.Average();
        double bias = (n - 1) * (meanOfReplicates - mean);
        double estimate = mean - bias;
        double se = Math.Sqrt((n - 1) * leaveOneOut.Select(t => (t - meanOfReplicates) * (t - meanOfReplicates)).Average());
        return new Interval(estimate, estimate - Z95 * se, estimate + Z95 * se, se);
    }
}
