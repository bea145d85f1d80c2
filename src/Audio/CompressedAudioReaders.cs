using System.Diagnostics;
using NLayer;
using NVorbis;

namespace Cacophony.Audio;

/// <summary>
/// MP3 (NLayer) and Ogg Vorbis (NVorbis), both fully managed. Lossy decoders differ slightly from one
/// another (the original's loader used libsndfile/mpg123), so expect agreement to the codec's noise,
/// not to float precision. Both libraries are third-party code fed with files from anywhere, so each decode
/// is bounded (<see cref="DecodeBudget"/>) and whatever they throw becomes one message naming the file.
/// </summary>
static class CompressedAudioReaders
{
    const int BlockSamples = 1 << 16;

    public static DecodedAudio ReadMp3(string path) => Read(path, mp3: true);

    public static DecodedAudio ReadVorbis(string path) => Read(path, mp3: false);

    static DecodedAudio Read(string path, bool mp3) => Guarded(path, mp3, () =>
    {
        using var decoder = Decoder.Open(path, mp3);
        var mixer = new InterleavedMixer(decoder.Channels);
        ReadAll(path, decoder, mixer.Add);
        return new DecodedAudio(mixer.ToArray(), decoder.SampleRate, decoder.Channels, decoder.Encoding);
    });

    /// <summary>
    /// An MP3 or Ogg Vorbis file as mono blocks for the streamed front end, in two passes: the first decodes it to
    /// count its samples (the exact length, which the patch choice needs first, is known only at the end), the
    /// second delivers them. Time, not memory, grows with the length.
    /// </summary>
    public static IMonoSource OpenStream(string path, bool mp3) => Guarded(path, mp3, () =>
    {
        long frames = 0;
        using (var counting = Decoder.Open(path, mp3))
            ReadAll(path, counting, block => frames += block.Length / counting.Channels);
        return (IMonoSource)new MonoStream(Decoder.Open(path, mp3), frames);
    });

    /// <summary>The decoder's own estimate of the duration (from the stream's headers), for choosing the streamed front end.</summary>
    public static double EstimateSeconds(string path, bool mp3)
    {
        try
        {
            if (mp3)
            {
                using var file = new MpegFile(path);
                return file.Duration.TotalSeconds;
            }
            using var reader = new VorbisReader(path);
            return reader.TotalTime.TotalSeconds;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return 0;
        }
    }

    /// <summary>Whatever the library throws, as one message naming the file.</summary>
    static T Guarded<T>(string path, bool mp3, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(path, mp3 ? $"corrupt MP3 data: {e.Message}" : $"not a decodable Ogg Vorbis stream: {e.Message}");
        }
    }

    /// <summary>Every block of the stream, within its <see cref="DecodeBudget"/>.</summary>
    static void ReadAll(string path, Decoder decoder, Action<ReadOnlySpan<float>> take)
    {
        var budget = new DecodeBudget(path, new FileInfo(path).Length);
        var block = new float[BlockSamples * decoder.Channels];
        int count;
        while ((count = decoder.Read(block, block.Length)) > 0)
        {
            take(block.AsSpan(0, count));
            budget.Spend(count / decoder.Channels, decoder.Encoding);
        }
    }

    /// <summary>NLayer or NVorbis behind one face: channels, rate, interleaved reads.</summary>
    sealed class Decoder(IDisposable owner, int channels, int rate, string encoding, Func<float[], int, int> read) : IDisposable
    {
        public int Channels => channels;
        public int SampleRate => rate;
        public string Encoding => encoding;
        public int Read(float[] block, int count) => read(block, count);
        public void Dispose() => owner.Dispose();

        public static Decoder Open(string path, bool mp3)
        {
            if (mp3)
            {
                var file = new MpegFile(path);
                return Checked(new Decoder(file, file.Channels, file.SampleRate, "MP3", (b, n) => file.ReadSamples(b, 0, n)), path, "a valid frame header");
            }
            var reader = new VorbisReader(path);
            return Checked(new Decoder(reader, reader.Channels, reader.SampleRate, "Ogg Vorbis", (b, n) => reader.ReadSamples(b, 0, n)), path, "a valid identification header");
        }

        static Decoder Checked(Decoder decoder, string path, string what)
        {
            if (decoder.Channels is >= 1 and <= 255 && decoder.SampleRate >= 1) return decoder;
            decoder.Dispose();
            throw new AudioFormatException(path, $"{decoder.Encoding} stream without {what} ({decoder.Channels} channels at {decoder.SampleRate} Hz)");
        }
    }

    sealed class MonoStream(Decoder decoder, long frames) : IMonoSource
    {
        readonly float[] _block = new float[BlockSamples * decoder.Channels];

        public int SampleRate => decoder.SampleRate;
        public long Frames => frames;

        public int Read(Span<float> mono)
        {
            int channels = decoder.Channels;
            int count = decoder.Read(_block, Math.Min(_block.Length, mono.Length * channels)) / channels;
            InterleavedMixer.Mix(_block.AsSpan(0, count * channels), channels, mono[..count]);
            return count;
        }

        public void Dispose() => decoder.Dispose();
    }

    /// <summary>
    /// Stops a decode that produces more samples than its container can hold, or that runs far longer than any
    /// honest file of its size. A compressed frame yields at most a few thousand samples a byte (Vorbis' largest
    /// block from a packet of a few bytes), so the sample bound is generous for real files and finite for hostile
    /// ones; the time bound is checked between the library's calls.
    /// </summary>
    sealed class DecodeBudget(string path, long bytes)
    {
        const long SamplesPerByte = 8192, TimeBase = 60, TimePerMegabyte = 10;
        readonly long _maxSamples = Math.Min(AudioDecoder.MaxSamplesAt16k * 12, 1_000_000 + bytes * SamplesPerByte);
        readonly TimeSpan _maxTime = TimeSpan.FromSeconds(TimeBase + TimePerMegabyte * (bytes >> 20));
        readonly Stopwatch _clock = Stopwatch.StartNew();
        long _samples;

        public void Spend(long frames, string encoding)
        {
            _samples += frames;
            if (_samples > _maxSamples)
                throw new AudioFormatException(path, $"the {encoding} decoder produced more than {_maxSamples} samples from {bytes} bytes; stopped (corrupt stream)");
            if (_clock.Elapsed > _maxTime)
                throw new AudioFormatException(path, $"the {encoding} decoder ran past {_maxTime.TotalSeconds:F0} s on {bytes} bytes; stopped (corrupt stream)");
        }
    }
}
