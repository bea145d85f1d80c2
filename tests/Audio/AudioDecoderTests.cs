using Cacophony.Audio;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Audio;

/// <summary>
/// Compressed fixtures made from one known signal (tests/data/audio/make_fixtures.sh): 1.5 s of a 440 Hz
/// sine at amplitude 0.5, 22.05 kHz stereo. Lossy codecs keep the tone, its level and the duration.
/// </summary>
public class AudioDecoderTests
{
    static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "audio", name);

    /// <summary>Amplitude of the component at `hertz` (least-squares fit of a sine and a cosine over the middle second).</summary>
    static double Amplitude(DecodedAudio audio, double hertz)
    {
        int from = audio.SampleRate / 4, count = audio.SampleRate;
        double s = 0, c = 0;
        for (int i = from; i < from + count; i++)
        {
            double angle = 2 * Math.PI * hertz * i / audio.SampleRate;
            s += audio.Samples[i] * Math.Sin(angle);
            c += audio.Samples[i] * Math.Cos(angle);
        }
        return 2 * Math.Sqrt(s * s + c * c) / count;
    }

    static void AssertIsTheTone(DecodedAudio audio, double durationTolerance, double levelTolerance = 0.01)
    {
        double at440 = Amplitude(audio, 440), at1000 = Amplitude(audio, 1000);
        TestContext.Out.WriteLine($"{audio.Encoding}: {audio.SampleRate} Hz, {audio.Channels} ch, {audio.DurationSeconds:F4} s, amplitude at 440 Hz {at440:F4}, at 1 kHz {at1000:E2}");
        Assert.Multiple(() =>
        {
            Assert.That(audio.SampleRate, Is.EqualTo(22050));
            Assert.That(audio.Channels, Is.EqualTo(2));
            Assert.That(audio.DurationSeconds, Is.EqualTo(1.5).Within(durationTolerance));
            Assert.That(at440, Is.EqualTo(0.5).Within(levelTolerance));
            Assert.That(at1000, Is.LessThan(0.002));
        });
    }

    [Test]
    // lame's encode of this fixture peaks at 0.475 (ffmpeg's decoder agrees), hence the looser level.
    public void Mp3DecodesNatively() => AssertIsTheTone(AudioDecoder.Read(Fixture("tone440.mp3")), durationTolerance: 0.1, levelTolerance: 0.03);

    [Test]
    public void OggVorbisDecodesNatively() => AssertIsTheTone(AudioDecoder.Read(Fixture("tone440.ogg")), durationTolerance: 0.001);

    [Test]
    public void FlacDecodesThroughFfmpeg()
    {
        if (!FfmpegAudioReader.IsAvailable) Assert.Ignore("ffmpeg is not on the PATH (.ci/run installs it)");
        var audio = AudioDecoder.Read(Fixture("tone440.flac"));
        AssertIsTheTone(audio, durationTolerance: 0);
        // FLAC is lossless: the samples are the 16-bit originals.
        Assert.That(audio.Samples[1000], Is.EqualTo((float)(Math.Round(0.5 * 32767 * Math.Sin(2 * Math.PI * 440 * 1000 / 22050.0)) / 32768)));
    }

    [Test]
    public void WithoutFfmpegOtherFormatsSayWhatToInstall()
    {
        string? saved = Environment.GetEnvironmentVariable("CACOPHONY_FFMPEG");
        Environment.SetEnvironmentVariable("CACOPHONY_FFMPEG", "/nonexistent/ffmpeg");
        try
        {
            Assert.That(FfmpegAudioReader.IsAvailable, Is.False);
            var error = Assert.Throws<AudioFormatException>(() => AudioDecoder.Read(Fixture("tone440.flac")))!;
            TestContext.Out.WriteLine(error.Message);
            Assert.That(error.Message, Does.Contain("FLAC").And.Contain("install ffmpeg"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CACOPHONY_FFMPEG", saved);
        }
    }

    [Test]
    public void NonAudioFilesAreRejected()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("notes.txt"), "not audio at all");
        File.WriteAllBytes(temp.File("empty.wav"), []);
        Assert.That(Assert.Throws<AudioFormatException>(() => AudioDecoder.Read(temp.File("empty.wav")))!.Message, Does.Contain("empty"));
        Assert.That(Assert.Throws<AudioFormatException>(() => AudioDecoder.Read(temp.File("missing.wav")))!.Message, Does.Contain("not found"));
        var error = Assert.Throws<AudioFormatException>(() => AudioDecoder.Read(temp.File("notes.txt")))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.StartWith(temp.File("notes.txt") + ": "));
    }
}
