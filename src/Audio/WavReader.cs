using System.Buffers.Binary;

namespace Cacophony.Audio;

/// <summary>
/// RIFF/WAVE and RF64 (and BW64) files: PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32 and
/// 64-bit, plain or WAVE_FORMAT_EXTENSIBLE, any channel count and rate. Samples are scaled as the
/// original's loader does (PCM16 / 2^15, PCM24 / 2^23, PCM32 / 2^31, PCM8 (x - 128) / 2^7) and
/// channels averaged in float32. Unknown chunks are skipped (with their pad byte when odd-sized).
/// The data is decoded block by block, so memory is the mono output plus one block.
/// </summary>
public static class WavReader
{
    const int BlockBytes = 1 << 20;
    const uint UnknownSize = 0xFFFFFFFF;

    enum SampleFormat { Pcm, Float }

    sealed record Format(SampleFormat Kind, int Channels, int SampleRate, int BlockAlign, int BitsPerSample)
    {
        public int BytesPerSample => BitsPerSample / 8;
        public string Describe() => Kind == SampleFormat.Pcm ? $"PCM {BitsPerSample}-bit" : $"IEEE float {BitsPerSample}-bit";
    }

    public static bool LooksLikeWav(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && (head[..4].SequenceEqual("RIFF"u8) || head[..4].SequenceEqual("RF64"u8) || head[..4].SequenceEqual("BW64"u8)) && head[8..12].SequenceEqual("WAVE"u8);

    public static DecodedAudio Read(string path)
    {
        if (!File.Exists(path)) throw new AudioFormatException(path, "file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads from any stream; on a pipe, a data chunk of unknown size (0 or 0xFFFFFFFF) runs to the end.</summary>
    public static DecodedAudio Read(Stream stream, string name)
    {
        try
        {
            return ReadChunks(stream, name);
        }
        catch (EndOfStreamException)
        {
            throw new AudioFormatException(name, "truncated WAV file (ends inside a header)");
        }
    }

    static DecodedAudio ReadChunks(Stream stream, string name)
    {
        var (format, length, toEnd) = ReadHeader(stream, name);
        return Decode(stream, name, format, toEnd ? long.MaxValue : length);
    }

    /// <summary>The chunks up to the data: its format, its length in bytes, and whether it runs to the stream's end (a pipe).</summary>
    static (Format Format, long Length, bool ToEnd) ReadHeader(Stream stream, string name)
    {
        Span<byte> header = stackalloc byte[12];
        if (stream.ReadAtLeast(header, 12, throwOnEndOfStream: false) < 12 || !LooksLikeWav(header))
            throw new AudioFormatException(name, "not a WAV file (no RIFF/RF64 ... WAVE header)");
        bool rf64 = !header[..4].SequenceEqual("RIFF"u8);
        long? ds64DataSize = null;
        Format? format = null;
        Span<byte> chunk = stackalloc byte[8];
        while (true)
        {
            if (stream.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) < 8)
                throw new AudioFormatException(name, format is null ? "no 'fmt ' chunk" : "no 'data' chunk");
            string id = System.Text.Encoding.ASCII.GetString(chunk[..4]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            switch (id)
            {
                case "ds64":
                {
                    var body = ReadBody(stream, name, id, size);
                    if (body.Length < 16) throw new AudioFormatException(name, "RF64 'ds64' chunk too short");
                    ds64DataSize = BinaryPrimitives.ReadInt64LittleEndian(body.AsSpan(8));
                    break;
                }
                case "fmt ":
                    format = ParseFormat(ReadBody(stream, name, id, size), name);
                    break;
                case "data":
                {
                    if (format is null) throw new AudioFormatException(name, "'data' chunk before the 'fmt ' chunk");
                    long? length = rf64 && size == UnknownSize ? ds64DataSize : size;
                    if (length is null) throw new AudioFormatException(name, "RF64 file without a 'ds64' chunk giving the data size");
                    bool toEnd = !stream.CanSeek && (size == UnknownSize || size == 0);
                    if (stream.CanSeek && stream.Length - stream.Position < length)
                        throw new AudioFormatException(name, $"truncated: the data chunk declares {length} bytes but only {stream.Length - stream.Position} follow");
                    return (format, length.Value, toEnd);
                }
                default:
                    Skip(stream, name, id, size + (size & 1));
                    break;
            }
        }
    }

    static byte[] ReadBody(Stream stream, string name, string id, uint size)
    {
        if (size > 1 << 20) throw new AudioFormatException(name, $"'{id}' chunk of {size} bytes is implausibly large");
        var body = new byte[size];
        stream.ReadExactly(body);
        if ((size & 1) == 1) Skip(stream, name, id, 1);
        return body;
    }

    static void Skip(Stream stream, string name, string id, long bytes)
    {
        if (stream.CanSeek)
        {
            if (stream.Position + bytes > stream.Length) throw new AudioFormatException(name, $"truncated inside the '{id}' chunk");
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[Math.Min(bytes, 1 << 16)];
        while (bytes > 0)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(bytes, buffer.Length));
            if (read <= 0) throw new AudioFormatException(name, $"truncated inside the '{id}' chunk");
            bytes -= read;
        }
    }

    static Format ParseFormat(byte[] fmt, string name)
    {
        if (fmt.Length < 16) throw new AudioFormatException(name, "'fmt ' chunk too short");
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
        long rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4));
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(12));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
        if (tag == 0xFFFE)
        {
            // WAVE_FORMAT_EXTENSIBLE: the real format tag is the first two bytes of the SubFormat GUID.
            if (fmt.Length < 40) throw new AudioFormatException(name, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk too short");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(24));
            if (!fmt.AsSpan(26, 14).SequenceEqual(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 }))
                throw new AudioFormatException(name, "WAVE_FORMAT_EXTENSIBLE with a non-standard SubFormat GUID is not supported");
        }
        var kind = tag switch
        {
            1 => SampleFormat.Pcm,
            3 => SampleFormat.Float,
            _ => throw new AudioFormatException(name, $"unsupported WAV encoding: {EncodingName(tag)} (supported: PCM 8/16/24/32-bit, IEEE float 32/64-bit); convert it, e.g. `ffmpeg -i in.wav -c:a pcm_s16le out.wav`"),
        };
        if (channels < 1) throw new AudioFormatException(name, "WAV header declares 0 channels");
        if (rate < 1 || rate > 1_000_000) throw new AudioFormatException(name, $"implausible sample rate {rate} Hz");
        bool supported = kind == SampleFormat.Pcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
        if (!supported) throw new AudioFormatException(name, $"unsupported sample size: {(kind == SampleFormat.Pcm ? "PCM" : "float")} {bits}-bit");
        if (blockAlign != channels * bits / 8) throw new AudioFormatException(name, $"inconsistent WAV header: block align {blockAlign} for {channels} channels of {bits} bits");
        return new Format(kind, channels, (int)rate, blockAlign, bits);
    }

    static string EncodingName(int tag) => tag switch
    {
        2 => "Microsoft ADPCM",
        6 => "A-law",
        7 => "mu-law",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x50 => "MPEG",
        0x55 => "MP3",
        _ => $"format tag 0x{tag:X4}",
    };

    static DecodedAudio Decode(Stream stream, string name, Format format, long dataBytes)
    {
        bool toEnd = dataBytes == long.MaxValue;
        if (!toEnd && dataBytes % format.BlockAlign != 0)
            throw new AudioFormatException(name, $"data chunk of {dataBytes} bytes is not a whole number of {format.BlockAlign}-byte frames");
        long frames = toEnd ? 0 : dataBytes / format.BlockAlign;
        if (frames > Array.MaxLength) throw new AudioFormatException(name, $"{frames} frames are more than one array can hold");
        var output = toEnd ? new List<float>() : null;
        var samples = toEnd ? [] : new float[frames];
        // About a megabyte a read whatever the frame size (65,535 channels make 64 KiB frames).
        var block = new byte[Math.Max(1, BlockBytes / format.BlockAlign) * format.BlockAlign];
        long done = 0;
        while (toEnd || done < frames)
        {
            int want = toEnd ? block.Length : (int)Math.Min(block.Length, (frames - done) * format.BlockAlign);
            int got = stream.ReadAtLeast(block.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want && !toEnd)
                throw new AudioFormatException(name, $"truncated: the data ends after {done + got / format.BlockAlign} of {frames} frames");
            int count = got / format.BlockAlign;
            if (toEnd)
            {
                var part = new float[count];
                MixToMono(block.AsSpan(0, count * format.BlockAlign), format, part);
                output!.AddRange(part);
                // A stream of unknown length (ffmpeg's pipe) stops where one clip could no longer be held.
                if (output.Count > StreamLimit(format.SampleRate))
                    throw new AudioFormatException(name, $"the stream runs past {StreamLimit(format.SampleRate)} frames at {format.SampleRate} Hz, more than one clip can hold");
                if (got < want) break;
            }
            else MixToMono(block.AsSpan(0, count * format.BlockAlign), format, samples.AsSpan((int)done, count));
            done += count;
        }
        var decoded = toEnd ? [.. output!] : samples;
        if (format.Kind == SampleFormat.Float) RequireFinite(decoded, format.SampleRate, name);
        return new DecodedAudio(decoded, format.SampleRate, format.Channels, format.Describe());
    }

    /// <summary>Frames at this rate that make <see cref="AudioDecoder.MaxSamplesAt16k"/> at 16 kHz (and fit one array).</summary>
    static long StreamLimit(int rate) => Math.Min(Array.MaxLength, AudioDecoder.MaxSamplesAt16k * rate / 16000);

    /// <summary>A float WAV may hold NaN or infinity, which would make every embedding of the clip NaN: refused, with where.</summary>
    static void RequireFinite(float[] mono, int rate, string name)
    {
        int bad = Array.FindIndex(mono, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new AudioFormatException(name, $"holds non-finite samples (the first, {mono[bad]}, at frame {bad} = {bad / (double)rate:F3} s; with several channels, their mean)");
    }

    /// <summary>
    /// A WAV file read in blocks of mono samples instead of whole: for clips too long to hold (hours), whose
    /// front end runs as the samples arrive (the model's AudioFrontEnd.ProcessLong).
    /// </summary>
    public sealed class Blocks : IMonoSource
    {
        readonly FileStream _stream;
        readonly Format _format;
        readonly string _name;
        readonly byte[] _block;
        long _done;

        public int SampleRate => _format.SampleRate;
        public int Channels => _format.Channels;
        public long Frames { get; }

        internal Blocks(string path)
        {
            _name = path;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                var (format, length, _) = ReadHeader(_stream, path);
                if (length % format.BlockAlign != 0)
                    throw new AudioFormatException(path, $"data chunk of {length} bytes is not a whole number of {format.BlockAlign}-byte frames");
                _format = format;
                Frames = length / format.BlockAlign;
                _block = new byte[Math.Max(1, BlockBytes / format.BlockAlign) * format.BlockAlign];
            }
            catch (EndOfStreamException)
            {
                _stream.Dispose();
                throw new AudioFormatException(path, "truncated WAV file (ends inside a header)");
            }
            catch
            {
                _stream.Dispose();
                throw;
            }
        }

        /// <summary>The next frames mixed to mono, as many as fit and remain; 0 at the end.</summary>
        public int Read(Span<float> mono)
        {
            int want = (int)Math.Min(Math.Min(mono.Length, Frames - _done), _block.Length / _format.BlockAlign);
            if (want <= 0) return 0;
            int bytes = want * _format.BlockAlign;
            if (_stream.ReadAtLeast(_block.AsSpan(0, bytes), bytes, throwOnEndOfStream: false) < bytes)
                throw new AudioFormatException(_name, $"truncated: the data ends inside frame {_done + want} of {Frames}");
            var output = mono[..want];
            MixToMono(_block.AsSpan(0, bytes), _format, output);
            if (_format.Kind == SampleFormat.Float)
                foreach (float v in output)
                    if (!float.IsFinite(v)) throw new AudioFormatException(_name, $"holds non-finite samples (from frame {_done} on)");
            _done += want;
            return want;
        }

        public void Dispose() => _stream.Dispose();
    }

    /// <summary>Opens a WAV file for reading in blocks (see <see cref="Blocks"/>).</summary>
    public static Blocks OpenBlocks(string path) =>
        File.Exists(path) ? new Blocks(path) : throw new AudioFormatException(path, "file not found");

    /// <summary>Interleaved frames to mono: each channel scaled to [-1, 1), then averaged in float32.</summary>
    static void MixToMono(ReadOnlySpan<byte> frames, Format format, Span<float> mono)
    {
        int channels = format.Channels, size = format.BytesPerSample;
        for (int i = 0; i < mono.Length; i++)
        {
            float sum = 0;
            var frame = frames.Slice(i * format.BlockAlign, format.BlockAlign);
            for (int c = 0; c < channels; c++) sum += Sample(frame.Slice(c * size, size), format);
            mono[i] = channels == 1 ? sum : sum / channels;
        }
    }

    static float Sample(ReadOnlySpan<byte> b, Format format) => format.Kind switch
    {
        SampleFormat.Float when format.BitsPerSample == 32 => BinaryPrimitives.ReadSingleLittleEndian(b),
        SampleFormat.Float => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        _ => format.BitsPerSample switch
        {
            8 => (b[0] - 128) / 128f,
            16 => BinaryPrimitives.ReadInt16LittleEndian(b) / 32768f,
            24 => ((b[0] | (b[1] << 8) | ((sbyte)b[2] << 16))) / 8388608f,
            _ => BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648f,
        },
    };
}
