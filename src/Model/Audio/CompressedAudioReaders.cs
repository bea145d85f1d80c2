using NLayer;
using NVorbis;

namespace Cacophony.Model.Audio;

/// <summary>
/// MP3 (NLayer) and Ogg Vorbis (NVorbis), both fully managed. Lossy decoders differ slightly from one
/// another (the original's loader used libsndfile/mpg123), so expect agreement to the codec's noise,
/// not to float precision.
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
            var mixer = new InterleavedMixer(file.Channels);
            var block = new float[BlockSamples * file.Channels];
            int read;
            while ((read = file.ReadSamples(block, 0, block.Length)) > 0) mixer.Add(block.AsSpan(0, read));
            return new DecodedAudio(mixer.ToArray(), file.SampleRate, file.Channels, "MP3");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentException or NullReferenceException)
        {
            throw new AudioFormatException(path, $"corrupt MP3 data: {e.Message}");
        }
    }

    public static DecodedAudio ReadVorbis(string path)
    {
        try
        {
            using var reader = new VorbisReader(path);
            var mixer = new InterleavedMixer(reader.Channels);
            var block = new float[BlockSamples * reader.Channels];
            int read;
            while ((read = reader.ReadSamples(block, 0, block.Length)) > 0) mixer.Add(block.AsSpan(0, read));
            return new DecodedAudio(mixer.ToArray(), reader.SampleRate, reader.Channels, "Ogg Vorbis");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException or InvalidOperationException)
        {
            throw new AudioFormatException(path, $"not a decodable Ogg Vorbis stream: {e.Message}");
        }
    }
}
