using Cacophony.Eval.Datasets;
using Cacophony.Eval.Metrics;

namespace Cacophony.Tests.Eval;

/// <summary>Evaluation metrics on small cases worked out by hand and against closed forms.</summary>
public class MetricTests
{
    [Test]
    public void JackknifeOfTheMeanIsTheStandardErrorOfTheMean()
    {
        // For the mean, the jackknife has no bias and its standard error is the sample standard deviation / sqrt(n).
        double[] values = [0, 1, 1, 0, 1, 1, 1, 0.25, 0.5, 1];
        var interval = Jackknife.Mean(values);
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.That(interval.Estimate, Is.EqualTo(mean).Within(1e-12));
        Assert.That(interval.StandardError, Is.EqualTo(sd / Math.Sqrt(values.Length)).Within(1e-12));
        Assert.That(interval.Low, Is.EqualTo(mean - 1.959963984540054 * sd / Math.Sqrt(values.Length)).Within(1e-12));
        Assert.That(interval.High - interval.Estimate, Is.EqualTo(interval.Estimate - interval.Low).Within(1e-12));
    }

    [Test]
    public void RetrievalMetricsOnAHandWorkedRanking()
    {
        // Query 0 ranks keys 0, 2, 3, 1 with keys 2 and 3 correct: hits at ranks 2 and 3, AP = (1/2 + 2/3) / 2.
        // Query 1 ranks keys 1, 3, 2, 0 with key 1 correct: hit at rank 1, AP = 1.
        float[] scores = [0.9f, 0.1f, 0.8f, 0.5f, 0.2f, 0.7f, 0.3f, 0.4f];
        var s = RetrievalMetrics.Compute(scores, 2, 4, [new HashSet<int> { 2, 3 }, new HashSet<int> { 1 }]);
        Assert.That(s.R1.Estimate, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(s.R5.Estimate, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(s.R10.Estimate, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(s.MeanAveragePrecision10.Estimate, Is.EqualTo(((1.0 / 2 + 2.0 / 3) / 2 + 1) / 2).Within(1e-12));
        // n = 2, R@1 values {0, 1}: standard error = sd / sqrt 2 = 0.5.
        Assert.That(s.R1.StandardError, Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void AudioToTextCountsAnEqualCaptionStringOnceAndLaionDividesByTheRelevantCount()
    {
        // Keys 0 and 2 are the same caption string (identity 0); the ranking is 1, 0, 2, 3.
        float[] scores = [0.8f, 0.9f, 0.7f, 0.1f];
        var withIdentity = RetrievalMetrics.Compute(scores, 1, 4, [new HashSet<int> { 0 }], keyIdentity: [0, 1, 0, 2]);
        Assert.That(withIdentity.MeanAveragePrecision10.Estimate, Is.EqualTo(0.5).Within(1e-12), "one hit, at rank 2");
        var byIndex = RetrievalMetrics.Compute(scores, 1, 4, [new HashSet<int> { 0, 2 }]);
        Assert.That(byIndex.MeanAveragePrecision10.Estimate, Is.EqualTo((1.0 / 2 + 2.0 / 3) / 2).Within(1e-12), "two hits, ranks 2 and 3");

        // Five relevant captions, one found at rank 1: the original's AP is 1 (divided by hits found), LAION-CLAP's 1/5.
        float[] five = [0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f];
        var s = RetrievalMetrics.Compute(five, 1, 7, [new HashSet<int> { 0, 10, 11, 12, 13 }]);
        Assert.That(s.MeanAveragePrecision10.Estimate, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(s.MeanAveragePrecision10OverRelevant!.Estimate, Is.EqualTo(0.2).Within(1e-12));
    }

    [Test]
    public void ClassificationMetricsCountTopOneTopFiveAndTheConfusion()
    {
        string[] classes = ["a", "b", "c"];
        var s = ClassificationMetrics.Compute(classes, [0, 0, 1, 2], [[0, 1, 2], [1, 0, 2], [1, 2, 0], [0, 1, 2]]);
        Assert.That(s.Top1, Is.EqualTo(0.5));
        Assert.That(s.Top5, Is.EqualTo(1.0));
        Assert.That(s.PerClassAccuracy, Is.EqualTo(new[] { 0.5, 1.0, 0.0 }));
        Assert.That(s.Confusion[0, 1], Is.EqualTo(1));
        Assert.That(s.Confusion[2, 0], Is.EqualTo(1));
    }

    [Test]
    public void CsvReadsQuotedCommasQuotesAndLineBreaks()
    {
        var rows = Csv.Parse("file_name,caption_1\r\n\"a, b.wav\",\"He said \"\"hi\"\", then\nleft\"\nplain.wav,x\n");
        Assert.That(rows, Has.Count.EqualTo(3));
        Assert.That(rows[1], Is.EqualTo(new[] { "a, b.wav", "He said \"hi\", then\nleft" }));
        Assert.That(Csv.Parse(Csv.Line(rows[1]) + "\n")[0], Is.EqualTo(rows[1]), "round trip");
    }
}
