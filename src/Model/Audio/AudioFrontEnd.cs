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

    /// <summary>
    /// Clips longer than this many samples at 16 kHz (30 minutes) are streamed (<see cref="ProcessLong"/>) when they
    /// can be: a whole clip costs about 20 bytes a sample on its way through the front end.
    /// </summary>
    public const long LongClipSamples = 30L * 60 * 16000;

    /// <summary>
    /// A file through the front end: a 16 kHz WAV longer than `longClipSamples` streamed in bounded memory (the
    /// same patches, bit for bit; its waveform and mel are not kept), anything else decoded whole.
    /// </summary>
    public AudioFeatures ProcessFile(string path, SequencePolicy policy, long longClipSamples = LongClipSamples)
    {
        if (IsLongWav(path, longClipSamples)) return ProcessLong(path, policy);
        return Process(AudioDecoder.Read(path), policy);
    }

    bool IsLongWav(string path, long longClipSamples)
    {
        var head = new byte[12];
        try
        {
            using (var probe = File.OpenRead(path))
                if (probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !WavReader.LooksLikeWav(head)) return false;
            using var wav = WavReader.OpenBlocks(path);
            return wav.SampleRate == config.SampleRate && wav.Frames > longClipSamples;
        }
        catch (Exception e) when (e is AudioFormatException or IOException or UnauthorizedAccessException)
        {
            return false; // the whole-file path reports it
        }
    }

    /// <summary>
    /// A 16 kHz WAV through the front end without holding it: the kept patches are chosen from the length in its
    /// header (the sequence policy's choice is by index), then mel frames are computed chunk by chunk from the
    /// samples as they are read and only the kept patches stored. Memory is a few megabytes whatever the length;
    /// the patches equal <see cref="Process(DecodedAudio, SequencePolicy)"/>'s bit for bit (16 kHz needs no
    /// resampling, and frames pair into FFTs as there).
    /// </summary>
    public AudioFeatures ProcessLong(string path, SequencePolicy policy)
    {
        using var wav = WavReader.OpenBlocks(path);
        if (wav.SampleRate != config.SampleRate)
            throw new AudioFormatException(path, $"streams only at {config.SampleRate} Hz, not {wav.SampleRate} Hz (decode it whole, or convert it to {config.SampleRate} Hz)");
        long n = wav.Frames, hop = config.FrameStep;
        long frames = (n + hop - 1) / hop, times = frames / config.PatchTime;
        int freqs = config.NumMelBins / config.PatchFreq, size = config.PatchTime * config.PatchFreq, melBins = config.NumMelBins;
        if (times * freqs > int.MaxValue) throw new AudioFormatException(path, $"{times * freqs} patches are more than one sequence can index");
        var keep = Patchifier.Select((int)(times * freqs), policy);
        int count = policy.Padding == SequencePadding.Pad ? Math.Max(policy.Length, 0) : keep.Length;
        var patches = new float[(long)count * size];
        var timeIndices = new int[count];
        var freqIndices = new int[count];
        var mask = new int[count];

        const int ChunkTimes = 256;
        int chunkFrames = ChunkTimes * config.PatchTime;
        var mel = new float[config.PatchTime * melBins];
        var buffer = new double[(chunkFrames - 1) * hop + config.FrameLength];
        var block = new float[1 << 16];
        long bufferStart = 0, read = 0;
        int buffered = 0, next = 0;
        for (long first = 0; first < times * config.PatchTime && next < keep.Length; first += chunkFrames)
        {
            int chunk = (int)Math.Min(chunkFrames, times * config.PatchTime - first);
            long start = first * hop, end = Math.Min(n, (first + chunk - 1) * hop + config.FrameLength);
            // Drop the samples before this chunk, then read until it is covered.
            int drop = (int)Math.Min(buffered, start - bufferStart);
            Array.Copy(buffer, drop, buffer, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
            while (bufferStart + buffered < end)
            {
                int got = wav.Read(block.AsSpan(0, (int)Math.Min(block.Length, end - bufferStart - buffered)));
                if (got == 0) throw new AudioFormatException(path, $"the data ends after {read} of {n} frames");
                for (int i = 0; i < got; i++) buffer[buffered + i] = block[i];
                buffered += got;
                read += got;
            }
            // Only the time patches holding a kept patch are computed (a long clip keeps few of them): each is 16
            // frames from an even frame, so its rows are those of the whole spectrogram.
            long endTime = first / config.PatchTime + chunk / config.PatchTime;
            int computed = -1;
            for (; next < keep.Length && keep[next] < endTime * freqs; next++)
            {
                int t = keep[next] / freqs, f = keep[next] % freqs;
                if (t != computed)
                {
                    _logMel.ComputeFrames(buffer.AsSpan(0, buffered), bufferStart, n, (long)t * config.PatchTime, config.PatchTime, mel);
                    computed = t;
                }
                timeIndices[next] = t;
                freqIndices[next] = f;
                mask[next] = 1;
                var patch = patches.AsSpan(next * size, size);
                for (int dt = 0; dt < config.PatchTime; dt++)
                    mel.AsSpan(dt * melBins + f * config.PatchFreq, config.PatchFreq).CopyTo(patch.Slice(dt * config.PatchFreq, config.PatchFreq));
            }
        }
        return new AudioFeatures([], [], melBins, new AudioPatches(patches, timeIndices, freqIndices, mask, keep.Length));
    }

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
