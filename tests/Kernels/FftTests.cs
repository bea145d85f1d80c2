using System.Numerics;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Tests.Kernels;

/// <summary>The FFT against a naive O(n^2) DFT and closed forms, across radix mixes and Bluestein lengths.</summary>
public class FftTests
{
    static Complex[] Naive(ReadOnlySpan<Complex> x, int sign = -1)
    {
        int n = x.Length;
        var result = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = 0;
            for (int j = 0; j < n; j++)
            {
                double angle = sign * 2 * Math.PI * ((long)j * k % n) / n;
                acc += x[j] * new Complex(Math.Cos(angle), Math.Sin(angle));
            }
            result[k] = acc;
        }
        return result;
    }

    static Complex[] RandomSignal(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new Complex(random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1)).ToArray();
    }

    static double MaxAbs(ReadOnlySpan<Complex> a, ReadOnlySpan<Complex> b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, (a[i] - b[i]).Magnitude);
        return worst;
    }

    // Radix 4, 2, 3, 5, 7, 11, 13 mixes; primes 17, 97, 251 and 2 * 4999 go through Bluestein.
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(8)]
    [TestCase(12)]
    [TestCase(13)]
    [TestCase(17)]
    [TestCase(30)]
    [TestCase(64)]
    [TestCase(97)]
    [TestCase(100)]
    [TestCase(243)]
    [TestCase(251)]
    [TestCase(400)]
    [TestCase(512)]
    [TestCase(1001)]
    [TestCase(2310)]
    [TestCase(4096)]
    [TestCase(9998)]
    public void MatchesTheNaiveDft(int n)
    {
        var x = RandomSignal(n, n);
        var expected = Naive(x);
        var actual = (Complex[])x.Clone();
        FftPlan.Get(n).Forward(actual);
        double error = MaxAbs(actual, expected), scale = Math.Sqrt(n);
        TestContext.Out.WriteLine($"n={n}: max-abs error {error:E2} (relative to sqrt(n) {error / scale:E2})");
        Assert.That(error / scale, Is.LessThan(1e-12));

        FftPlan.Get(n).Inverse(actual);
        for (int i = 0; i < n; i++) actual[i] /= n;
        Assert.That(MaxAbs(actual, x), Is.LessThan(1e-12), "inverse(forward(x)) / n = x");
    }

    [TestCase(441000)] // 44.1 kHz x 10 s: 2^3 3^2 5^3 7^2
    [TestCase(68545)]  // 5 x 13709: Bluestein on a real clip length
    public void LargeLengthsKeepParsevalAndRoundTrip(int n)
    {
        var x = RandomSignal(n, 7);
        var spectrum = (Complex[])x.Clone();
        FftPlan.Get(n).Forward(spectrum);
        double timeEnergy = x.Sum(v => v.Magnitude * v.Magnitude);
        double frequencyEnergy = spectrum.Sum(v => v.Magnitude * v.Magnitude) / n;
        double relative = Math.Abs(timeEnergy - frequencyEnergy) / timeEnergy;
        TestContext.Out.WriteLine($"n={n}: Parseval relative error {relative:E2}");
        Assert.That(relative, Is.LessThan(1e-12));

        // One bin against the definition, computed directly.
        int k = n / 3 + 1;
        Complex direct = 0;
        for (int j = 0; j < n; j++)
        {
            double angle = -2 * Math.PI * ((long)j * k % n) / n;
            direct += x[j] * new Complex(Math.Cos(angle), Math.Sin(angle));
        }
        Assert.That((spectrum[k] - direct).Magnitude / Math.Sqrt(n), Is.LessThan(1e-11));

        FftPlan.Get(n).Inverse(spectrum);
        for (int i = 0; i < n; i++) spectrum[i] /= n;
        Assert.That(MaxAbs(spectrum, x), Is.LessThan(1e-11));
    }

    [Test]
    public void PureToneLandsInItsBin()
    {
        const int n = 400, bin = 37;
        var x = Enumerable.Range(0, n).Select(j => new Complex(Math.Cos(2 * Math.PI * bin * j / n), 0)).ToArray();
        FftPlan.Get(n).Forward(x);
        for (int k = 0; k < n; k++)
        {
            double expected = k == bin || k == n - bin ? n / 2.0 : 0;
            Assert.That(x[k].Magnitude, Is.EqualTo(expected).Within(1e-9), $"bin {k}");
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8)]
    [TestCase(9)]
    [TestCase(400)]
    [TestCase(512)]
    [TestCase(1002)]
    [TestCase(1003)]
    public void RealTransformsMatchTheComplexDefinition(int n)
    {
        var random = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var expected = Naive(x.Select(v => new Complex(v, 0)).ToArray());
        var spectrum = new Complex[n / 2 + 1];
        RealFft.Forward(x, spectrum);
        Assert.That(MaxAbs(spectrum, expected.AsSpan(0, n / 2 + 1)), Is.LessThan(1e-12));

        var back = new double[n];
        RealFft.Inverse(spectrum, back);
        for (int i = 0; i < n; i++) Assert.That(back[i], Is.EqualTo(x[i]).Within(1e-13));

        // numpy ignores the imaginary parts of the DC and Nyquist bins.
        spectrum[0] += new Complex(0, 5);
        if (n % 2 == 0) spectrum[n / 2] += new Complex(0, -3);
        var ignored = new double[n];
        RealFft.Inverse(spectrum, ignored);
        for (int i = 0; i < n; i++) Assert.That(ignored[i], Is.EqualTo(x[i]).Within(1e-13));
    }
}
