using Cacophony.Model.Captioning;

namespace Cacophony.Tests.Captioning;

/// <summary>The token pickers against closed forms: softmax frequencies, top-k and top-p supports.</summary>
public class TokenSamplerTests
{
    static readonly float[] Logits = [2.0f, 1.0f, 0.5f, -1.0f, 0.0f, 1.5f];

    static double[] Softmax(float[] logits, double temperature, int[] support)
    {
        var p = new double[logits.Length];
        double max = support.Max(i => logits[i] / temperature), sum = 0;
        foreach (int i in support) sum += p[i] = Math.Exp(logits[i] / temperature - max);
        foreach (int i in support) p[i] /= sum;
        return p;
    }

    static double[] Frequencies(int draws, Func<int> sample)
    {
        var counts = new double[Logits.Length];
        for (int i = 0; i < draws; i++) counts[sample()]++;
        return counts.Select(c => c / draws).ToArray();
    }

    [TestCase(1.0f, 0, 1.0f, new[] { 0, 1, 2, 3, 4, 5 })]
    [TestCase(0.7f, 3, 1.0f, new[] { 0, 5, 1 })]
    // p = 0.8 at temperature 1: sorted probabilities 0.420, 0.255, 0.154, 0.094, ...: the first three reach 0.829.
    [TestCase(1.0f, 0, 0.8f, new[] { 0, 5, 1 })]
    public void SampleFrequenciesFollowTheRestrictedSoftmax(float temperature, int topK, float topP, int[] support)
    {
        var rng = new SplitMix64(42);
        const int draws = 200_000;
        var observed = Frequencies(draws, () => TokenSampler.Sample(Logits, temperature, topK, topP, ref rng));
        var expected = Softmax(Logits, temperature, support);
        for (int i = 0; i < Logits.Length; i++)
        {
            // 5 standard deviations of a binomial frequency.
            double tolerance = 5 * Math.Sqrt(Math.Max(expected[i] * (1 - expected[i]), 1e-12) / draws);
            TestContext.Out.WriteLine($"token {i}: observed {observed[i]:F4}, expected {expected[i]:F4}");
            if (expected[i] == 0) Assert.That(observed[i], Is.Zero, $"token {i} is outside the support");
            else Assert.That(observed[i], Is.EqualTo(expected[i]).Within(tolerance), $"token {i}");
        }
    }

    [Test]
    public void ArgMaxTakesTheFirstOfEqualMaxima() => Assert.That(TokenSampler.ArgMax([1f, 3f, 3f, 2f]), Is.EqualTo(1));

    [Test]
    public void LogSoftmaxSumsToOne()
    {
        var log = TokenSampler.LogSoftmax(Logits);
        Assert.That(log.Sum(Math.Exp), Is.EqualTo(1).Within(1e-12));
        Assert.That(log[0] - log[1], Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void SplitMixMatchesItsPublishedSequence()
    {
        // First outputs of SplitMix64 seeded with 1234567 (the reference C implementation by Vigna).
        var rng = new SplitMix64(1234567);
        Assert.That(new[] { rng.Next(), rng.Next(), rng.Next() }, Is.EqualTo(new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL }));
    }
}
