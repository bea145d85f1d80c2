namespace Cacophony.Audio;

/// <summary>
/// A band-limited resampler that needs only the input near each output sample, for clips too long to resample
/// whole: y[k] = sum_i x[i] fc g(fc (k r / target - i)), with fc = min(1, target / r) (the cutoff at the lower of
/// the two Nyquist rates) and g a sinc under a Kaiser window (beta 12) over 128 zero crossings each side,
/// tabulated 512 times per crossing. The original's FFT resampler is an ideal brick wall on a periodic
/// signal; this one's transition band and the clip's two ends differ from it slightly (docs/FUZZING.md gives
/// the measured difference).
/// </summary>
public sealed class SincResampler
{
    const int ZeroCrossings = 128, Oversample = 512;
    const double Beta = 12;
    static readonly double[] Kernel = BuildKernel();

    readonly double _ratio, _cutoff;

    /// <summary>Input samples each side of an output sample's position that contribute to it.</summary>
    public int Reach { get; }

    public SincResampler(int rate, int target)
    {
        _ratio = (double)rate / target;
        _cutoff = Math.Min(1.0, (double)target / rate);
        Reach = (int)Math.Ceiling(ZeroCrossings / _cutoff) + 1;
    }

    /// <summary>The input position of output sample k.</summary>
    public double Position(long k) => k * _ratio;

    /// <summary>
    /// Output samples [first, first + output.Length) from `input`, the input samples from `inputStart` on; input
    /// samples outside [0, inputLength) count as 0. `input` must cover every sample within <see cref="Reach"/> of
    /// each output's position that lies inside the signal.
    /// </summary>
    public void Resample(ReadOnlySpan<double> input, long inputStart, long inputLength, long first, Span<double> output)
    {
        for (int j = 0; j < output.Length; j++)
        {
            double position = Position(first + j);
            long lo = Math.Max(0, (long)Math.Floor(position) - Reach + 1), hi = Math.Min(inputLength - 1, (long)Math.Floor(position) + Reach);
            double sum = 0;
            for (long i = lo; i <= hi; i++)
            {
                double u = Math.Abs((position - i) * _cutoff) * Oversample;
                int at = (int)u;
                if (at >= Kernel.Length - 1) continue;
                double g = Kernel[at] + (u - at) * (Kernel[at + 1] - Kernel[at]);
                sum += input[(int)(i - inputStart)] * g;
            }
            output[j] = sum * _cutoff;
        }
    }

    static double[] BuildKernel()
    {
        var table = new double[ZeroCrossings * Oversample + 2];
        double i0Beta = BesselI0(Beta);
        for (int k = 0; k < table.Length; k++)
        {
            double u = (double)k / Oversample;
            if (u >= ZeroCrossings) break;
            double sinc = u == 0 ? 1 : Math.Sin(Math.PI * u) / (Math.PI * u);
            double r = u / ZeroCrossings;
            table[k] = sinc * BesselI0(Beta * Math.Sqrt(1 - r * r)) / i0Beta;
        }
        return table;
    }

    /// <summary>The modified Bessel function of the first kind, order 0, by its power series.</summary>
    static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 64 && term > 1e-17 * sum; k++)
        {
            term *= half / k * (half / k);
            sum += term;
        }
        return sum;
    }
}
