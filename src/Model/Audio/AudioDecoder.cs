namespace Cacophony.Model.Audio;

/// <summary>
/// Decodes an audio file by its content (not its extension): WAV/RF64 natively, MP3 with NLayer, Ogg
/// Vorbis with NVorbis, everything else (FLAC, Opus, M4A, ...) and WAV encodings we do not decode
/// (ADPCM, mu-law ...) through ffmpeg when it is installed.
/// </summary>
public static class AudioDecoder
{
    public static DecodedAudio Read(string path)
    {
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a directory, not an audio file");
        if (!File.Exists(path)) throw new AudioFormatException(path, "file not found");
        var head = new byte[64];
        int length;
        using (var probe = File.OpenRead(path)) length = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var start = head.AsSpan(0, length);
        if (length == 0) throw new AudioFormatException(path, "file is empty");

        if (WavReader.LooksLikeWav(start))
        {
            try
            {
                return WavReader.Read(path);
            }
            catch (AudioFormatException e) when (e.Problem.StartsWith("unsupported WAV encoding", StringComparison.Ordinal) && FfmpegAudioReader.IsAvailable)
            {
                return FfmpegAudioReader.Read(path);
            }
        }
        if (IsMp3(start)) return CompressedAudioReaders.ReadMp3(path);
        if (start.StartsWith("OggS"u8) && start.IndexOf("\u0001vorbis"u8) >= 0) return CompressedAudioReaders.ReadVorbis(path);
        if (FfmpegAudioReader.IsAvailable) return FfmpegAudioReader.Read(path);
        throw new AudioFormatException(path, $"{Describe(start)} is not decoded natively (WAV, MP3 and Ogg Vorbis are): {FfmpegAudioReader.InstallHint}");
    }

    /// <summary>An ID3 tag, or an MPEG audio frame sync (11 set bits) with a valid layer (ADTS AAC, layer 0, is excluded).</summary>
    static bool IsMp3(ReadOnlySpan<byte> head) =>
        head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0);

    static string Describe(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("fLaC"u8)) return "FLAC";
        if (head.StartsWith("OggS"u8)) return head.IndexOf("OpusHead"u8) >= 0 ? "Ogg Opus" : "this Ogg stream";
        if (head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8)) return "MP4/M4A";
        return "this file's format";
    }
}
