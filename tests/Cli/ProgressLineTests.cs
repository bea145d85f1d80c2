using Cacophony.Cli;

namespace Cacophony.Tests.Cli;

/// <summary>The progress line's arithmetic against hand-computed durations.</summary>
public class ProgressLineTests
{
    [Test]
    public void NoEtaBeforeTheFirstItemIsDone()
    {
        string line = ProgressLine.Render(0, 1000, "clips", TimeSpan.FromSeconds(3));
        Assert.That(line, Does.EndWith("0/1000 clips, 0.00 clips/s, ETA --"));
    }

    [TestCase(59, "00:59")]
    [TestCase(3600 + 2 * 60 + 3, "1:02:03")]
    [TestCase(23 * 3600 + 59 * 60 + 59, "23:59:59")]
    [TestCase(30 * 3600, "1d 06:00:00")]             // hours do not wrap at 24
    [TestCase(3 * 86400 + 4 * 3600 + 5 * 60 + 6, "3d 04:05:06")]
    public void DurationsPastADayPrintDays(int seconds, string expected) =>
        Assert.That(ProgressLine.Duration(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    [Test]
    public void TheEtaProjectsTheRateSoFar()
    {
        // 10 of 1000 clips in 60 s: 990 more at 1/6 clip/s = 5940 s = 1:39:00; and 1 of 3000 in 60 s: 2 days 1:59:00.
        Assert.That(ProgressLine.Render(10, 1000, "clips", TimeSpan.FromSeconds(60)), Does.EndWith("ETA 1:39:00"));
        Assert.That(ProgressLine.Render(1, 3000, "clips", TimeSpan.FromSeconds(60)), Does.EndWith("ETA 2d 01:59:00"));
    }
}
