using Cacophony.Audio;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Audio;

public class WavReaderTests
{
    static DecodedAudio Decode(byte[] bytes) => WavReader.Read(new MemoryStream(bytes), "test.wav");

    static byte[] Interleave(params short[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    [Test]
    public void PcmSampleSizesScaleAsTheOriginal()
    {
        var pcm8 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 8000, 8)).Chunk("data", [0, 128, 255]).Build());
        Assert.That(pcm8.Samples, Is.EqualTo(new[] { -1f, 0f, 127 / 128f }));

        var pcm16 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 16)).Chunk("data", Interleave(-32768, 0, 16384, 32767)).Build());
        Assert.That(pcm16.Samples, Is.EqualTo(new[] { -1f, 0f, 0.5f, 32767 / 32768f }));
        Assert.That(pcm16.Encoding, Is.EqualTo("PCM 16-bit"));

        // 24-bit little-endian: 0x800000 = -2^23, 0x7FFFFF = 2^23 - 1, 0x000001 = 1.
        var pcm24 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 44100, 24)).Chunk("data", [0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x00]).Build());
        Assert.That(pcm24.Samples, Is.EqualTo(new[] { -1f, 8388607 / 8388608f, 1 / 8388608f }));

        var pcm32 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 48000, 32)).Chunk("data", [.. BitConverter.GetBytes(int.MinValue), .. BitConverter.GetBytes(1 << 30)]).Build());
        Assert.That(pcm32.Samples, Is.EqualTo(new[] { -1f, 0.5f }));
    }

    [Test]
    public void FloatAndExtensibleFormats()
    {
        var f32 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(3, 1, 16000, 32)).Chunk("data", [.. BitConverter.GetBytes(0.25f), .. BitConverter.GetBytes(-0.75f)]).Build());
        Assert.That(f32.Samples, Is.EqualTo(new[] { 0.25f, -0.75f }));

        var f64 = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(3, 1, 16000, 64)).Chunk("data", [.. BitConverter.GetBytes(0.125), .. BitConverter.GetBytes(-1.0)]).Build());
        Assert.That(f64.Samples, Is.EqualTo(new[] { 0.125f, -1f }));

        var extensiblePcm = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(0, 1, 16000, 16, extensible: true, subTag: 1)).Chunk("data", Interleave(8192)).Build());
        Assert.That(extensiblePcm.Samples, Is.EqualTo(new[] { 0.25f }));

        var extensibleFloat = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(0, 1, 16000, 32, extensible: true, subTag: 3)).Chunk("data", BitConverter.GetBytes(-0.5f)).Build());
        Assert.That(extensibleFloat.Samples, Is.EqualTo(new[] { -0.5f }));
    }

    [Test]
    public void ChannelsAreAveraged()
    {
        // Three channels, two frames: means (0.5 + 0.25 - 0.75) / 3 = 0 and (-1 + 0 + 0.5) / 3.
        var audio = Decode(new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 3, 22050, 16)).Chunk("data", Interleave(16384, 8192, -24576, -32768, 0, 16384)).Build());
        Assert.That(audio.Channels, Is.EqualTo(3));
        Assert.That(audio.SampleRate, Is.EqualTo(22050));
        Assert.That(audio.Samples, Is.EqualTo(new[] { 0f, (-1f + 0f + 0.5f) / 3 }));
    }

    [Test]
    public void UnknownChunksWithPadBytesAreSkipped()
    {
        var audio = Decode(new WavBuilder()
            .Chunk("LIST", [1, 2, 3, 4, 5])
            .Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 16))
            .Chunk("fact", [7, 0, 0])
            .Chunk("data", Interleave(16384, -16384))
            .Chunk("id3 ", [9])
            .Build());
        Assert.That(audio.Samples, Is.EqualTo(new[] { 0.5f, -0.5f }));
    }

    [Test]
    public void Rf64UsesTheDs64Size()
    {
        var audio = Decode(new WavBuilder().AsRf64().Chunk("fmt ", WavBuilder.Fmt(1, 2, 16000, 16)).Chunk("data", Interleave(16384, 0, -32768, -32768)).Build());
        Assert.That(audio.Samples, Is.EqualTo(new[] { 0.25f, -1f }));
    }

    [Test]
    public void APipeWithAnUnknownDataSizeIsReadToTheEnd()
    {
        var bytes = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 16)).Chunk("data", Interleave(16384, -16384, 8192)).Build(declaredDataSize: 0xFFFFFFFF);
        var audio = WavReader.Read(new ForwardOnlyStream(bytes), "pipe");
        Assert.That(audio.Samples, Is.EqualTo(new[] { 0.5f, -0.5f, 0.25f }));
    }

    [TestCase(2, "Microsoft ADPCM")]
    [TestCase(7, "mu-law")]
    [TestCase(6, "A-law")]
    [TestCase(0x55, "MP3")]
    public void CompressedEncodingsAreRejectedByName(int tag, string name)
    {
        var bytes = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(tag, 1, 8000, 8)).Chunk("data", [1, 2, 3, 4]).Build();
        var error = Assert.Throws<AudioFormatException>(() => Decode(bytes))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.StartWith("test.wav: ").And.Contain(name));
    }

    [Test]
    public void DamagedFilesAreRejectedWithTheirProblem()
    {
        var good = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 16)).Chunk("data", Interleave(1, 2, 3, 4)).Build();
        var cases = new (byte[] Bytes, string Problem)[]
        {
            (good[..^3], "truncated"),
            (new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 16)).Chunk("data", Interleave(1, 2)).Build(declaredDataSize: 400), "truncated"),
            (good[..30], "truncated"),
            ("RIFX"u8.ToArray().Concat(good[4..]).ToArray(), "not a WAV file"),
            (new WavBuilder().Chunk("data", Interleave(1)).Build(), "before the 'fmt ' chunk"),
            (new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 16000, 12)).Chunk("data", [1, 2]).Build(), "unsupported sample size"),
            (new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 0, 16000, 16)).Chunk("data", [1, 2]).Build(), "0 channels"),
        };
        foreach (var (bytes, problem) in cases)
        {
            var error = Assert.Throws<AudioFormatException>(() => Decode(bytes))!;
            TestContext.Out.WriteLine(error.Message);
            Assert.That(error.Message, Does.StartWith("test.wav: ").And.Contain(problem));
        }
    }

    /// <summary>A read-only stream that cannot seek, like a pipe from ffmpeg.</summary>
    sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
