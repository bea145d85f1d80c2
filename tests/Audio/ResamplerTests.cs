using Cacophony.Audio;

namespace Cacophony.Tests.Audio;

/// <summary>Closed-form checks of the FFT resampler (the golden cases check it against scipy itself).</summary>
public class ResamplerTests
{
    static float[] Tone(double hertz, int rate, int count, double amplitude = 0.5) =>
        Enumerable.Range(0, count).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hertz * i / rate))).ToArray();

    [TestCase(44100, 44100, 1000.0)]
    [TestCase(48000, 48000, 3000.0)]
    [TestCase(22050, 22050, 440.0)]
    [TestCase(8000, 8000, 1000.0)]
    [TestCase(96000, 96000, 5000.0)]
    [TestCase(32000, 32000, 7000.0)]
    public void APureToneKeepsItsFrequencyAndLevel(int rate, int count, double hertz)
    {
        // One second of a tone with a whole number of cycles is periodic, so the FFT method is exact:
        // the output is the same tone sampled at 16 kHz.
        var y = Resampler.Resample(Tone(hertz, rate, count), rate, 16000);
        Assert.That(y, Has.Length.EqualTo(16000));
        double worst = 0;
        for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y[i] - 0.5 * Math.Sin(2 * Math.PI * hertz * i / 16000)));
        TestContext.Out.WriteLine($"{rate} Hz -> 16 kHz, {hertz} Hz tone: max-abs error {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-6)); // float32 input quantization
    }

    [Test]
    public void ToneAboveTheNewNyquistIsRemoved()
    {
        var y = Resampler.Resample(Tone(10000, 48000, 48000), 48000, 16000);
        Assert.That(y.Max(Math.Abs), Is.LessThan(1e-7), "only float32 quantization noise of the input remains");
    }

    [Test]
    public void UpThenDownIsTheIdentity()
    {
        var random = new Random(1);
        var x = Enumerable.Range(0, 4001).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var up = Resampler.Resample(x, 16000, 44100);
        Assert.That(up, Has.Length.EqualTo(Resampler.OutputLength(4001, 16000, 44100)));
        var down = Resampler.Resample(up.Select(v => (float)v).ToArray(), 44100, 16000);
        Assert.That(down, Has.Length.EqualTo(4001));
        double worst = x.Select((v, i) => Math.Abs(v - down[i])).Max();
        TestContext.Out.WriteLine($"16k -> 44.1k -> 16k round trip: max-abs error {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-6));
    }

    [Test]
    public void OutputLengthRoundsHalfToEvenLikePython()
    {
        Assert.That(Resampler.OutputLength(68545, 48000, 16000), Is.EqualTo(22848)); // 22848.33
        Assert.That(Resampler.OutputLength(3, 32000, 16000), Is.EqualTo(2));         // 1.5 -> 2
        Assert.That(Resampler.OutputLength(5, 32000, 16000), Is.EqualTo(2));         // 2.5 -> 2
        Assert.That(Resampler.OutputLength(74002, 22050, 16000), Is.EqualTo(53698));
    }

    [Test]
    public void SixteenKilohertzPassesThrough()
    {
        float[] x = [0.1f, -0.2f, 0.3f];
        Assert.That(Resampler.Resample(x, 16000, 16000), Is.EqualTo(new[] { (double)0.1f, (double)-0.2f, (double)0.3f }));
    }
}
