using System.Numerics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// The original's features (tfio spectrogram + melscale, i.e. tf.signal), computed in float64:
/// frames = ceil(n / hop), the signal zero-padded at the end only; each frame of 400 samples times the
/// periodic Hann window, zero-padded to a 512-point real FFT; magnitudes (257 bins) times the mel
/// matrix; then log(mel + 1e-5) * 0.2 + 0.9. Output float32 [frames, 128].
/// Two frames share one complex FFT (one as the real part, one as the imaginary part) and are
/// separated with X_a[k] = (Z[k] + conj Z[-k]) / 2, X_b[k] = (Z[k] - conj Z[-k]) / 2i.
/// </summary>
public sealed class LogMelSpectrogram
{
    readonly LogMelSettings _config;
    readonly double[] _window;
    readonly MelFilterBank _mel;

    public LogMelSpectrogram(LogMelSettings config)
    {
        _config = config;
        _window = new double[config.FrameLength];
        for (int k = 0; k < _window.Length; k++) _window[k] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * k / config.FrameLength);
        _mel = new MelFilterBank(config.MelBins, config.FftLength / 2 + 1, config.SampleRate, config.LowerEdgeHertz, config.UpperEdgeHertz);
    }

    public int MelBins => _config.MelBins;

    public int FrameCount(int samples) => _config.FrameCount(samples);

    /// <summary>Row-major [frames, mel bins].</summary>
    public float[] Compute(ReadOnlySpan<double> waveform)
    {
        int frames = FrameCount(waveform.Length);
        var output = new float[frames * _config.MelBins];
        ComputeFrames(waveform, 0, waveform.Length, 0, frames, output);
        return output;
    }

    /// <summary>
    /// Rows [first, first + count) of the spectrogram of a signal of `totalSamples` samples, from `segment`, its
    /// samples from `segmentStart` on (every sample those frames read that lies inside the signal). `first` is
    /// even, so frames pair into FFTs as in <see cref="Compute"/>: the rows are the same bits.
    /// </summary>
    public void ComputeFrames(ReadOnlySpan<double> segment, long segmentStart, long totalSamples, long first, int count, Span<float> output)
    {
        if (first % 2 != 0) throw new ArgumentException("frames are computed in pairs from an even frame");
        int fft = _config.FftLength, bins = fft / 2 + 1, melBins = _config.MelBins;
        var plan = FftPlan.Get(fft);
        var z = new Complex[fft];
        var magnitudes = new double[2 * bins];
        for (int t = 0; t < count; t += 2)
        {
            bool pair = t + 1 < count;
            z.AsSpan().Clear();
            for (int k = 0; k < _window.Length; k++)
                z[k] = new Complex(WindowedSample(segment, segmentStart, totalSamples, first + t, k), pair ? WindowedSample(segment, segmentStart, totalSamples, first + t + 1, k) : 0);
            plan.Forward(z);
            for (int k = 0; k < bins; k++)
            {
                var zk = z[k];
                var zc = Complex.Conjugate(z[(fft - k) % fft]);
                magnitudes[k] = ((zk + zc) * 0.5).Magnitude;
                magnitudes[bins + k] = ((zk - zc) * new Complex(0, -0.5)).Magnitude;
            }
            MelLog(magnitudes.AsSpan(0, bins), output.Slice(t * melBins, melBins));
            if (pair) MelLog(magnitudes.AsSpan(bins, bins), output.Slice((t + 1) * melBins, melBins));
        }
    }

    double WindowedSample(ReadOnlySpan<double> segment, long segmentStart, long totalSamples, long frame, int k)
    {
        long index = frame * _config.FrameStep + k;
        return index < totalSamples ? segment[(int)(index - segmentStart)] * _window[k] : 0;
    }

    void MelLog(ReadOnlySpan<double> magnitudes, Span<float> row)
    {
        int melBins = row.Length;
        Span<double> mel = stackalloc double[melBins];
        mel.Clear();
        var weights = _mel.Weights;
        // Only the (at most two) triangles a bin falls in have non-zero weight; skipping the zeros
        // changes no sum, so this equals the dense product bit for bit.
        for (int k = 1; k < magnitudes.Length; k++)
        {
            double magnitude = magnitudes[k];
            var (first, count) = _mel.NonZero[k];
            var w = weights.AsSpan(k * melBins + first, count);
            var target = mel.Slice(first, count);
            for (int m = 0; m < count; m++) target[m] += magnitude * w[m];
        }
        for (int m = 0; m < melBins; m++)
            row[m] = (float)(Math.Log(mel[m] + _config.LogOffset) * _config.LogScale + _config.LogBias);
    }
}
