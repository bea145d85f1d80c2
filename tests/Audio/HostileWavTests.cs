using Cacophony.Audio;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Audio;

/// <summary>WAV files that are legal in form but hostile in content: every one is read correctly or refused by name.</summary>
public class HostileWavTests
{
    [Test]
    public void NonFiniteFloatSamplesAreRefusedWithWhereTheFirstIs()
    {
        var data = new[] { 0.25f, -0.5f, float.NaN, 0.1f }.SelectMany(BitConverter.GetBytes).ToArray();
        var bytes = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(3, 1, 16000, 32)).Chunk("data", data).Build();
        var error = Assert.Throws<AudioFormatException>(() => WavReader.Read(new MemoryStream(bytes), "nan.wav"))!;
        Assert.That(error.Message, Does.StartWith("nan.wav: holds non-finite samples").And.Contain("at frame 2"));

        // +inf and -inf in two channels of one frame mix to NaN: refused too.
        var stereo = new[] { 0.1f, 0.2f, float.PositiveInfinity, float.NegativeInfinity }.SelectMany(BitConverter.GetBytes).ToArray();
        var mixed = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(3, 2, 16000, 32)).Chunk("data", stereo).Build();
        Assert.That(Assert.Throws<AudioFormatException>(() => WavReader.Read(new MemoryStream(mixed), "inf.wav"))!.Message, Does.Contain("at frame 1"));
    }

    [Test]
    public void SixtyFiveThousandChannelsAreMixedToMono()
    {
        // 65,535 channels of 8-bit PCM: each frame is 65,535 bytes. Channel c of frame 0 holds 128 + (c % 3 - 1)
        // (-1/128, 0, +1/128 in turn), frame 1 all 192 (+0.5): the means, in closed form.
        const int channels = 65535;
        var data = new byte[2 * channels];
        for (int c = 0; c < channels; c++)
        {
            data[c] = (byte)(128 + c % 3 - 1);
            data[channels + c] = 192;
        }
        var bytes = new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, channels, 8000, 8)).Chunk("data", data).Build();
        var audio = WavReader.Read(new MemoryStream(bytes), "many.wav");
        Assert.That(audio.Channels, Is.EqualTo(channels));
        Assert.That(audio.Samples, Has.Length.EqualTo(2));
        Assert.That(audio.Samples[0], Is.EqualTo(0).Within(1e-6), "-1, 0, +1 in equal numbers (65,535 = 3 x 21,845)");
        Assert.That(audio.Samples[1], Is.EqualTo(0.5f).Within(1e-6));
    }

    [Test]
    public void AFileWhoseRateMakesItTooLongAt16kHzIsRefusedByName()
    {
        // 200 KB of 8-bit samples declared at 1 Hz: 55 hours, 3.2 billion samples at 16 kHz.
        using var temp = new TempDirectory();
        string path = temp.File("one-hertz.wav");
        File.WriteAllBytes(path, new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, 1, 8)).Chunk("data", new byte[200_000]).Build());
        var error = Assert.Throws<AudioFormatException>(() => AudioDecoder.Read(path))!;
        Assert.That(error.Message, Does.StartWith($"{path}: 200000 samples at 1 Hz would be 3200000000 samples at 16 kHz"));
    }
}
