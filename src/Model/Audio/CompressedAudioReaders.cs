using System.Diagnostics;
using NLayer;
using NVorbis;

namespace Cacophony.Model.Audio;

/// <summary>
/// MP3 (NLayer) and Ogg Vorbis (NVorbis), both fully managed. Lossy decoders differ slightly from one
/// another (the original's loader used libsndfile/mpg123), so expect agreement to the codec's noise,
/// not to float precision. Both libraries are third-party code fed with files from anywhere, so each decode
/// is bounded (<see cref="DecodeBudget"/>) and whatever they throw becomes one message naming the file.
/// </summary>
static class CompressedAudioReaders
{
    const int BlockSamples = 1 << 16;

    public static DecodedAudio ReadMp3(string path)
    {
        try
        {
            using var file = new MpegFile(path);
            if (file.Channels < 1 || file.SampleRate < 1) throw new AudioFormatException(path, "MP3 stream without a valid frame header");
            return Decode(path, "MP3", file.Channels, file.SampleRate, (block, count) => file.ReadSamples(block, 0, count));
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(path, $"corrupt MP3 data: {e.Message}");
        }
    }

    public static DecodedAudio ReadVorbis(string path)
    {
        try
        {
            using var reader = new VorbisReader(path);
            if (reader.Channels < 1 || reader.SampleRate < 1) throw new AudioFormatException(path, "Ogg Vorbis stream without a valid identification header");
            return Decode(path, "Ogg Vorbis", reader.Channels, reader.SampleRate, (block, count) => reader.ReadSamples(block, 0, count));
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(path, $"not a decodable Ogg Vorbis stream: {e.Message}");
        }
    }

    /// <summary>
    /// An MP3 or Ogg Vorbis file as mono blocks for the streamed front end, in two passes: the first decodes it to
    /// count its samples (the exact length, which the patch choice needs first, is known only at the end), the
    /// second delivers them. Time, not memory, grows with the length.
    /// </summary>
    public static IMonoSource OpenStream(string path, bool mp3)
    {
        try
        {
            long frames = 0;
            using (var counting = Decoder.Open(path, mp3))
            {
                var budget = new DecodeBudget(path, new FileInfo(path).Length);
                var block = new float[BlockSamples * counting.Channels];
                int count;
                while ((count = counting.Read(block, block.Length)) > 0)
                {
                    frames += count / counting.Channels;
                    budget.Spend(count / counting.Channels, counting.Encoding);
                }
            }
            return new MonoStream(Decoder.Open(path, mp3), frames);
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(path, $"corrupt {(mp3 ? "MP3" : "Ogg Vorbis")} data: {e.Message}");
        }
    }

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
                if (file.Channels < 1 || file.Channels > 255 || file.SampleRate < 1) { file.Dispose(); throw new AudioFormatException(path, "MP3 stream without a valid frame header"); }
                return new Decoder(file, file.Channels, file.SampleRate, "MP3", (b, n) => file.ReadSamples(b, 0, n));
            }
            var reader = new VorbisReader(path);
            if (reader.Channels < 1 || reader.Channels > 255 || reader.SampleRate < 1) { reader.Dispose(); throw new AudioFormatException(path, "Ogg Vorbis stream without a valid identification header"); }
            return new Decoder(reader, reader.Channels, reader.SampleRate, "Ogg Vorbis", (b, n) => reader.ReadSamples(b, 0, n));
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
            for (int i = 0; i < count; i++)
            {
                float sum = 0;
                for (int c = 0; c < channels; c++) sum += _block[i * channels + c];
                mono[i] = channels == 1 ? sum : sum / channels;
            }
            return count;
        }

        public void Dispose() => decoder.Dispose();
    }

    static DecodedAudio Decode(string path, string encoding, int channels, int rate, Func<float[], int, int> read)
    {
        if (channels > 255) throw new AudioFormatException(path, $"{channels} channels in an {encoding} stream");
        var budget = new DecodeBudget(path, new FileInfo(path).Length);
        var mixer = new InterleavedMixer(channels);
        var block = new float[BlockSamples * channels];
        int count;
        while ((count = read(block, block.Length)) > 0)
        {
            mixer.Add(block.AsSpan(0, count));
            budget.Spend(count / channels, encoding);
        }
        return new DecodedAudio(mixer.ToArray(), rate, channels, encoding);
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
