using Cacophony.Kernels.Cpu;
using NUnit.Framework;

namespace Cacophony.Tests.Kernels;

/// <summary>The two-ended split of a GEMM's panels: every panel taken once, each side's in order.</summary>
public class PanelRangeTests
{
    [TestCase(0, 0)]
    [TestCase(5, 6)]
    [TestCase(3, 50)]
    [TestCase(0, 10_000)]
    public void TwoThreadsTakeEveryPanelOnceEachInItsOwnOrder(int start, int end)
    {
        var range = new PanelRange(start, end);
        var front = new List<int>();
        var back = new List<int>();
        using var go = new Barrier(2);
        var other = new Thread(() =>
        {
            go.SignalAndWait();
            for (int p; (p = range.TakeLast()) >= 0;) back.Add(p);
        });
        other.Start();
        go.SignalAndWait();
        for (int p; (p = range.TakeFirst()) >= 0;) front.Add(p);
        other.Join();
        TestContext.Out.WriteLine($"[{start}, {end}): {front.Count} from the front, {back.Count} from the back");
        Assert.That(front.Concat(back).Order(), Is.EqualTo(Enumerable.Range(start, end - start)));
        Assert.That(front, Is.EqualTo(Enumerable.Range(start, front.Count)), "the front side walks forward from Start");
        Assert.That(back, Is.EqualTo(Enumerable.Range(end - back.Count, back.Count).Reverse()), "the back side walks backward from End");
        Assert.That(range.TakeFirst(), Is.EqualTo(-1));
        Assert.That(range.TakeLast(), Is.EqualTo(-1));
    }

    [TestCase(48, 2)]
    [TestCase(48, 3)]
    [TestCase(192, 7)]
    [TestCase(5, 8)]
    public void RangesCoverThePanelsInShareOfTheirWalkers(int panels, int threads)
    {
        var ranges = PanelRange.ForThreads(panels, threads);
        Assert.That(ranges, Has.Length.EqualTo((threads + 1) / 2));
        Assert.That(ranges[0].Start, Is.Zero);
        Assert.That(ranges[^1].End, Is.EqualTo(panels));
        for (int r = 0; r < ranges.Length; r++)
        {
            if (r > 0) Assert.That(ranges[r].Start, Is.EqualTo(ranges[r - 1].End), "contiguous");
            int walkers = Math.Min(2 * r + 2, threads) - 2 * r;
            Assert.That(ranges[r].End - ranges[r].Start, Is.EqualTo((double)panels * walkers / threads).Within(1.0), $"range {r} ({walkers} walkers)");
        }
    }
}
