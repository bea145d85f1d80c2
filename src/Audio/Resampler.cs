using System.Numerics;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Audio;

/// <summary>
/// <c>scipy.signal.resample(x, round(n * target / rate))</c>, the original's resampler, in float64:
/// take the real spectrum, keep the lowest min(n, num) bins (truncating on the way down, zero-padding on
/// the way up), split or join the Nyquist bin as scipy does when that count is even, invert to num
/// samples and scale by num / n.
/// </summary>
public static class Resampler
{
    /// <summary>Python's round (half to even) of n * target / rate.</summary>
    public static int OutputLength(long inputLength, int rate, int target) =>
        checked((int)Math.Round(inputLength * (double)target / rate, MidpointRounding.ToEven));

    public static double[] Resample(ReadOnlySpan<float> x, int rate, int target)
    {
        int n = x.Length;
        if (rate == target) return ToDouble(x);
        int num = OutputLength(n, rate, target);
        if (n == 0 || num == 0) return new double[num];

        var spectrum = new Complex[n / 2 + 1];
        RealFft.Forward(x, spectrum);
        var kept = new Complex[num / 2 + 1];
        int shared = Math.Min(num, n);
        int nyquist = shared / 2 + 1; // slice end that includes the Nyquist bin when there is one
        spectrum.AsSpan(0, nyquist).CopyTo(kept);
        if (shared % 2 == 0)
        {
            // The bin at +shared/2 stands for both +f and -f of the shorter signal: join them going
            // down (scipy doubles it for real input), split them going up (halve it).
            if (num < n) kept[shared / 2] *= 2;
            else if (n < num) kept[shared / 2] *= 0.5;
        }
        var y = new double[num];
        RealFft.Inverse(kept, y);
        double scale = (double)num / n;
        for (int i = 0; i < num; i++) y[i] *= scale;
        return y;
    }

    static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = x[i];
        return result;
    }
}
