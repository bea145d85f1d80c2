namespace Cacophony.Audio;

/// <summary>
/// Decodes an audio file by its content (not its extension): WAV/RF64 natively, MP3 with NLayer, Ogg
/// Vorbis with NVorbis, everything else (FLAC, Opus, M4A, ...) and WAV encodings we do not decode
/// (ADPCM, mu-law ...) through ffmpeg when it is installed.
/// </summary>
public static class AudioDecoder
{
    /// <summary>
    /// The most samples a clip may have once at 16 kHz: what one array holds (37 hours). A longer one, or a file
    /// whose rate makes its samples that many (a few seconds of data declared at 1 Hz), is refused by name.
    /// </summary>
    public const long MaxSamplesAt16k = 2_000_000_000;

    public static DecodedAudio Read(string path)
    {
        var audio = ReadAnyRate(path);
        double at16k = Math.Round(audio.Samples.Length * 16000.0 / audio.SampleRate);
        if (at16k > MaxSamplesAt16k)
            throw new AudioFormatException(path, $"{audio.Samples.Length} samples at {audio.SampleRate} Hz would be {at16k:0} samples at 16 kHz, more than one clip can hold ({MaxSamplesAt16k})");
        return audio;
    }

    /// <summary>What a file's first bytes say it is, among the formats read without ffmpeg.</summary>
    internal enum Content { Wav, Mp3, OggVorbis, Other }

    /// <summary>The first 64 bytes of a file (fewer when it is shorter).</summary>
    internal static byte[] Head(string path)
    {
        var head = new byte[64];
        using var probe = File.OpenRead(path);
        return head[..probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
    }

    internal static Content Sniff(ReadOnlySpan<byte> head) =>
        WavReader.LooksLikeWav(head) ? Content.Wav
        : IsMp3(head) ? Content.Mp3
        : head.StartsWith("OggS"u8) && head.IndexOf("\u0001vorbis"u8) >= 0 ? Content.OggVorbis
        : Content.Other;

    static DecodedAudio ReadAnyRate(string path)
    {
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a directory, not an audio file");
        if (!File.Exists(path)) throw new AudioFormatException(path, "file not found");
        var start = Head(path);
        if (start.Length == 0) throw new AudioFormatException(path, "file is empty");

        var content = Sniff(start);
        if (content == Content.Wav)
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
        if (content == Content.Mp3) return CompressedAudioReaders.ReadMp3(path);
        if (content == Content.OggVorbis) return CompressedAudioReaders.ReadVorbis(path);
        if (LooksLikeText(start)) throw new AudioFormatException(path, "is not audio: its content is text");
        var container = ContainerName(start);
        if (FfmpegAudioReader.IsAvailable) return FfmpegAudioReader.Read(path);
        if (container is null) throw new AudioFormatException(path, "is not audio: its content matches no audio format (WAV, MP3, Ogg, FLAC, MP4, WebM, ...)");
        throw new AudioFormatException(path, $"{container} is not decoded natively (WAV, MP3 and Ogg Vorbis are): {FfmpegAudioReader.InstallHint}");
    }

    /// <summary>An ID3 tag, or an MPEG audio frame sync (11 set bits) with a valid layer (ADTS AAC, layer 0, is excluded).</summary>
    static bool IsMp3(ReadOnlySpan<byte> head) =>
        head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0);

    /// <summary>
    /// The container that ffmpeg would decode, by its signature; null when the bytes match none, so that a file
    /// that is not audio is not answered with advice to install ffmpeg.
    /// </summary>
    static string? ContainerName(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("fLaC"u8)) return "FLAC";
        if (head.StartsWith("OggS"u8)) return head.IndexOf("OpusHead"u8) >= 0 ? "Ogg Opus" : "this Ogg stream";
        if (head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8)) return "MP4/M4A";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "WebM/Matroska";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])) return "WMA/ASF";
        if (head.StartsWith("FORM"u8) && head.Length >= 12 && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8))) return "AIFF";
        if (head.StartsWith("RIFF"u8)) return "this RIFF file";
        if (head.StartsWith(".snd"u8)) return "Sun/NeXT AU";
        if (head.StartsWith("caff"u8)) return "Core Audio (CAF)";
        if (head.StartsWith("#!AMR"u8)) return "AMR";
        if (head.StartsWith("MAC "u8)) return "Monkey's Audio";
        if (head.StartsWith("wvpk"u8)) return "WavPack";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x0B, 0x77])) return "AC-3";
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0) return "ADTS AAC";
        return null;
    }

    /// <summary>No control bytes but white space: text (ASCII or UTF-8), whatever the file's name says. Audio has them early.</summary>
    static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
            if ((b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t' or 0x0C)) || b == 0x7F) return false;
        return true;
    }
}
