using Cacophony.Audio;
using Cacophony.Kernels.Cpu;
using Cacophony.Weights;

namespace Cacophony.Model.FrontEnd;

/// <summary>Everything the front end computes for one clip, kept for --dump and for debugging a port.</summary>
public sealed record AudioFeatures(float[] Waveform16k, float[] Mel, int MelBins, AudioPatches Patches)
{
    public int Frames => Mel.Length / MelBins;

    /// <summary>How the samples reached 16 kHz: the original's FFT resampler over the whole clip unless a long clip was streamed.</summary>
    public string Resampler { get; init; } = "the original's (one FFT over the whole clip)";

    /// <summary>A long clip streamed through the front end (<c>AudioFrontEnd.ProcessLong</c>): its waveform and mel were not kept.</summary>
    public bool Streamed => Waveform16k.Length == 0 && Patches.RealCount > 0;
}

/// <summary>Decoded audio -> 16 kHz (scipy FFT resample, float64) -> log-mel (float64 STFT) -> patches.</summary>
public sealed class AudioFrontEnd(PreprocessingConfig config)
{
    readonly LogMelSpectrogram _logMel = new(config.LogMel());

    public PreprocessingConfig Config => config;

    /// <summary>Whether a 16 kHz signal of this many samples gives at least one patch (ceil(n / hop) frames, 16 to a patch).</summary>
    public bool HasPatch(long samples16k) => (samples16k + config.FrameStep - 1) / config.FrameStep >= config.PatchTime;

    /// <summary>
    /// Clips longer than this many samples at 16 kHz (30 minutes) are streamed (<c>ProcessLong</c>) when they
    /// can be: a whole clip costs about 20 bytes a sample on its way through the front end.
    /// </summary>
    public const long LongClipSamples = 30L * 60 * 16000;

    /// <summary>
    /// A file through the front end: a WAV, MP3 or Ogg Vorbis file longer than `longClipSamples` at 16 kHz streamed
    /// in bounded memory (<see cref="ProcessLong(string, SequencePolicy)"/>: its waveform and mel are not kept),
    /// anything else decoded whole.
    /// </summary>
    public AudioFeatures ProcessFile(string path, SequencePolicy policy, long longClipSamples = LongClipSamples)
    {
        if (IsLong(path, longClipSamples)) return ProcessLong(path, policy);
        return Process(AudioDecoder.Read(path), policy);
    }

    /// <summary>The streamed front end (<see cref="ProcessLong(string, SequencePolicy)"/>) when the file is a long WAV, MP3 or Ogg Vorbis file; else null.</summary>
    public AudioFeatures? ProcessIfLong(string path, SequencePolicy policy, long longClipSamples = LongClipSamples) =>
        IsLong(path, longClipSamples) ? ProcessLong(path, policy) : null;

    /// <summary>Whether the file is longer than `longClipSamples` at 16 kHz: a WAV by its header, MP3 and Ogg Vorbis by their decoders' estimate.</summary>
    bool IsLong(string path, long longClipSamples)
    {
        try
        {
            double seconds;
            var content = AudioDecoder.Sniff(AudioDecoder.Head(path));
            switch (content)
            {
                case AudioDecoder.Content.Wav:
                    using (var wav = WavReader.OpenBlocks(path)) seconds = wav.Frames / (double)wav.SampleRate;
                    break;
                case AudioDecoder.Content.Mp3 or AudioDecoder.Content.OggVorbis:
                    seconds = CompressedAudioReaders.EstimateSeconds(path, content == AudioDecoder.Content.Mp3);
                    break;
                default:
                    return false;
            }
            return seconds * config.SampleRate > longClipSamples;
        }
        catch (Exception e) when (e is AudioFormatException or IOException or UnauthorizedAccessException)
        {
            return false; // the whole-file path reports it
        }
    }

    /// <summary>
    /// A WAV file through the front end without holding it: the kept patches are chosen from the length in its
    /// header (the sequence policy's choice is by index), the samples are read in blocks, and only the time
    /// patches holding a kept patch are computed, each from the samples around it. Memory is a few megabytes
    /// whatever the length. At 16 kHz the patches equal <see cref="Process(DecodedAudio, SequencePolicy)"/>'s bit
    /// for bit (no resampling; a time patch's 16 frames start at an even frame, so they pair into FFTs as there);
    /// at another rate the samples come from <see cref="SincResampler"/>, which only approximates the original's
    /// FFT resampler (<see cref="AudioFeatures.Resampler"/> says which was used).
    /// </summary>
    public AudioFeatures ProcessLong(string path, SequencePolicy policy)
    {
        using var source = OpenMono(path) ?? throw new AudioFormatException(path, "streams only as WAV, MP3 or Ogg Vorbis");
        return ProcessLong(source, path, policy);
    }

    /// <summary>The file as mono blocks by its content: WAV, MP3 (NLayer) or Ogg Vorbis; null for anything else.</summary>
    static IMonoSource? OpenMono(string path) => AudioDecoder.Sniff(AudioDecoder.Head(path)) switch
    {
        AudioDecoder.Content.Wav => WavReader.OpenBlocks(path),
        AudioDecoder.Content.Mp3 => CompressedAudioReaders.OpenStream(path, mp3: true),
        AudioDecoder.Content.OggVorbis => CompressedAudioReaders.OpenStream(path, mp3: false),
        _ => null,
    };

    /// <summary>The streamed front end over any mono source (see <see cref="ProcessLong(string, SequencePolicy)"/>).</summary>
    public AudioFeatures ProcessLong(IMonoSource wav, string path, SequencePolicy policy)
    {
        int rate = wav.SampleRate;
        long n = wav.Frames, hop = config.FrameStep;
        double at16k = Math.Round(n * (double)config.SampleRate / rate, MidpointRounding.ToEven);
        if (at16k > AudioDecoder.MaxSamplesAt16k) throw new AudioFormatException(path, $"{n} samples at {rate} Hz would be {at16k:0} samples at 16 kHz, more than one clip can hold");
        long n16 = rate == config.SampleRate ? n : (long)at16k;
        var sinc = rate == config.SampleRate ? null : new SincResampler(rate, config.SampleRate);
        long frames = (n16 + hop - 1) / hop, times = frames / config.PatchTime;
        int freqs = config.NumMelBins / config.PatchFreq, size = config.PatchTime * config.PatchFreq, melBins = config.NumMelBins;
        if (times * freqs > int.MaxValue) throw new AudioFormatException(path, $"{times * freqs} patches are more than one sequence can index");
        var keep = Patchifier.Select((int)(times * freqs), policy);
        int count = policy.Padding == SequencePadding.Pad ? Math.Max(policy.Length, 0) : keep.Length;
        var patches = new float[(long)count * size];
        var timeIndices = new int[count];
        var freqIndices = new int[count];
        var mask = new int[count];

        var input = new InputWindow(wav, path);
        var mel = new float[config.PatchTime * melBins];
        int computed = -1;
        for (int next = 0; next < keep.Length; next++)
        {
            int t = keep[next] / freqs, f = keep[next] % freqs;
            if (t != computed)
            {
                // The 16 kHz samples this time patch's frames read, and the input samples they come from.
                long first = (long)t * config.PatchTime * hop, end = Math.Min(n16, ((long)t * config.PatchTime + config.PatchTime - 1) * hop + config.FrameLength);
                if (sinc is null)
                {
                    input.Cover(first, end);
                    _logMel.ComputeFrames(input.Samples, input.Start, n16, (long)t * config.PatchTime, config.PatchTime, mel);
                }
                else
                {
                    long from = Math.Max(0, (long)Math.Floor(sinc.Position(first)) - sinc.Reach), to = Math.Min(n, (long)Math.Floor(sinc.Position(end - 1)) + sinc.Reach + 1);
                    input.Cover(from, to);
                    var segment = new double[end - first];
                    sinc.Resample(input.Samples, input.Start, n, first, segment);
                    _logMel.ComputeFrames(segment, first, n16, (long)t * config.PatchTime, config.PatchTime, mel);
                }
                computed = t;
            }
            timeIndices[next] = t;
            freqIndices[next] = f;
            mask[next] = 1;
            var patch = patches.AsSpan(next * size, size);
            for (int dt = 0; dt < config.PatchTime; dt++)
                mel.AsSpan(dt * melBins + f * config.PatchFreq, config.PatchFreq).CopyTo(patch.Slice(dt * config.PatchFreq, config.PatchFreq));
        }
        return new AudioFeatures([], [], melBins, new AudioPatches(patches, timeIndices, freqIndices, mask, keep.Length))
        {
            Resampler = sinc is null ? "none (16 kHz), streamed" : $"windowed sinc from {rate} Hz, streamed (the original's FFT resampler cannot stream)",
        };
    }

    /// <summary>A window onto a WAV's samples that only moves forward: it reads what a range needs and forgets what lies before it.</summary>
    sealed class InputWindow(IMonoSource wav, string path)
    {
        double[] _buffer = new double[1 << 16];
        readonly float[] _block = new float[1 << 16];
        long _read;
        int _count;

        public long Start { get; private set; }
        public ReadOnlySpan<double> Samples => _buffer.AsSpan(0, _count);

        /// <summary>Makes the window hold samples [from, to) (ranges come in increasing order).</summary>
        public void Cover(long from, long to)
        {
            int drop = (int)Math.Clamp(from - Start, 0, _count);
            Array.Copy(_buffer, drop, _buffer, 0, _count - drop);
            _count -= drop;
            Start += drop;
            while (_read < to)
            {
                int got = wav.Read(_block.AsSpan(0, (int)Math.Min(_block.Length, to - _read)));
                if (got == 0) throw new AudioFormatException(path, $"the data ends after {_read} of {wav.Frames} frames");
                long keepFrom = Math.Max(_read, from);
                if (_count == 0) Start = keepFrom;
                int skip = (int)(keepFrom - _read);
                if (_count + got - skip > _buffer.Length) Array.Resize(ref _buffer, Math.Max(2 * _buffer.Length, _count + got - skip));
                for (int i = skip; i < got; i++) _buffer[_count++] = _block[i];
                _read += got;
            }
        }
    }

    public AudioFeatures Process(DecodedAudio audio, SequencePolicy policy) => Process(audio.Samples, audio.SampleRate, policy);

    public AudioFeatures Process(ReadOnlySpan<float> samples, int sampleRate, SequencePolicy policy)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        var waveform = Resampler.Resample(samples, sampleRate, config.SampleRate);
        var mel = _logMel.Compute(waveform);
        var patches = Patchifier.Patchify(mel, config.NumMelBins, config.PatchTime, config.PatchFreq, policy);
        var waveform32 = new float[waveform.Length];
        for (int i = 0; i < waveform.Length; i++) waveform32[i] = (float)waveform[i];
        return new AudioFeatures(waveform32, mel, config.NumMelBins, patches);
    }
}
