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
