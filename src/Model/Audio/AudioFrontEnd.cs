using Cacophony.Weights;

namespace Cacophony.Model.Audio;

/// <summary>Everything the front end computes for one clip, kept for --dump and for debugging a port.</summary>
public sealed record AudioFeatures(float[] Waveform16k, float[] Mel, int MelBins, AudioPatches Patches)
{
    public int Frames => Mel.Length / MelBins;
}

/// <summary>Decoded audio -> 16 kHz (scipy FFT resample, float64) -> log-mel (float64 STFT) -> patches.</summary>
public sealed class AudioFrontEnd(PreprocessingConfig config)
{
    readonly LogMelSpectrogram _logMel = new(config);

    public PreprocessingConfig Config => config;

    /// <summary>Whether a 16 kHz signal of this many samples gives at least one patch (ceil(n / hop) frames, 16 to a patch).</summary>
    public bool HasPatch(long samples16k) => (samples16k + config.FrameStep - 1) / config.FrameStep >= config.PatchTime;

    public AudioFeatures Process(DecodedAudio audio, SequencePolicy policy) => Process(audio.Samples, audio.SampleRate, policy);

    public AudioFeatures Process(ReadOnlySpan<float> samples, int sampleRate, SequencePolicy policy)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        var waveform = Resampler.Resample(samples, sampleRate, config.SampleRate);
        var mel = _logMel.Compute(waveform);
        var patches = Patchifier.Patchify(mel, config.NumMelBins, config.PatchTime, config.PatchFreq, policy);
        var waveform32 = new float[waveform.Length];
        for (int i = 0; i < waveform.Length; i++) waveform32[i] = (float)waveform[i];
        return new AudioFeatures(waveform32, mel, config.NumMelBins, patches);
    }
}
