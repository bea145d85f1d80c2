namespace Cacophony.Kernels;

/// <summary>
/// The front end's log-mel, as tf.signal computes it: frames of <see cref="FrameLength"/> samples every
/// <see cref="FrameStep"/> (ceil(n / step) frames, zero-padded at the end), a periodic Hann window, a
/// <see cref="FftLength"/>-point real FFT, magnitudes times an HTK mel matrix, then log(x + offset) * scale + bias.
/// </summary>
public sealed record LogMelSettings(int SampleRate, int FrameLength, int FrameStep, int FftLength, int MelBins,
    double LowerEdgeHertz, double UpperEdgeHertz, double LogOffset, double LogScale, double LogBias)
{
    public int SpectrogramBins => FftLength / 2 + 1;

    public int FrameCount(long samples) => (int)((samples + FrameStep - 1) / FrameStep);
}
