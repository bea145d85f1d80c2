namespace Cacophony.Kernels.Cpu;

/// <summary>
/// <c>tf.signal.linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sample_rate, lower, upper)</c>
/// in float64: HTK mel scale 1127 ln(1 + f / 700); spectrogram bins at linspace(0, nyquist, bins), the
/// DC bin weighted 0; triangles between num_mel_bins + 2 equally spaced mel band edges; no area
/// normalization. Stored [spectrogram bin, mel bin].
/// </summary>
public sealed class MelFilterBank
{
    public int SpectrogramBins { get; }
    public int MelBins { get; }
    public double[] Weights { get; }

    /// <summary>Per spectrogram bin, the mel bins [First, First + Count) where its weight is non-zero (at most two triangles overlap).</summary>
    public (int First, int Count)[] NonZero { get; }

    public MelFilterBank(int melBins, int spectrogramBins, int sampleRate, double lowerHertz, double upperHertz)
    {
        MelBins = melBins;
        SpectrogramBins = spectrogramBins;
        Weights = new double[spectrogramBins * melBins];
        double nyquist = sampleRate / 2.0;
        double lowerMel = HertzToMel(lowerHertz), upperMel = HertzToMel(upperHertz);
        var edges = new double[melBins + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = Linspace(lowerMel, upperMel, edges.Length, i);
        for (int k = 1; k < spectrogramBins; k++)
        {
            double mel = HertzToMel(Linspace(0, nyquist, spectrogramBins, k));
            for (int m = 0; m < melBins; m++)
            {
                double lower = (mel - edges[m]) / (edges[m + 1] - edges[m]);
                double upper = (edges[m + 2] - mel) / (edges[m + 2] - edges[m + 1]);
                Weights[k * melBins + m] = Math.Max(0, Math.Min(lower, upper));
            }
        }
        NonZero = new (int, int)[spectrogramBins];
        for (int k = 0; k < spectrogramBins; k++)
        {
            var row = Weights.AsSpan(k * melBins, melBins);
            int first = row.IndexOfAnyExcept(0.0), last = row.LastIndexOfAnyExcept(0.0);
            NonZero[k] = first < 0 ? (0, 0) : (first, last - first + 1);
        }
    }

    public static double HertzToMel(double hertz) => 1127.0 * Math.Log(1.0 + hertz / 700.0);

    /// <summary>numpy.linspace's i-th point: start + i * step, with the last point exactly stop.</summary>
    static double Linspace(double start, double stop, int count, int i) =>
        i == count - 1 ? stop : start + i * ((stop - start) / (count - 1));
}
