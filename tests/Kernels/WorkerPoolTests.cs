using System.Collections.Concurrent;
using Cacophony.Kernels.Cpu;
using NUnit.Framework;

namespace Cacophony.Tests.Kernels;

/// <summary>The parallel loop under every multi-threaded kernel: each part exactly once, on the allowed threads.</summary>
public class WorkerPoolTests
{
    [TestCase(0, int.MaxValue)]
    [TestCase(1, int.MaxValue)]
    [TestCase(2, int.MaxValue)]
    [TestCase(17, int.MaxValue)]
    [TestCase(1000, int.MaxValue)]
    [TestCase(1000, 1)]
    [TestCase(1000, 2)]
    public void EveryPartRunsExactlyOnce(int parts, int maxThreads)
    {
        var runs = new int[parts];
        var threads = new ConcurrentDictionary<int, bool>();
        WorkerPool.For(parts, p =>
        {
            Interlocked.Increment(ref runs[p]);
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.SpinWait(200); // long enough that a second thread gets to claim parts
        }, maxThreads);
        Assert.That(runs, Is.All.EqualTo(1));
        Assert.That(threads.Count, Is.LessThanOrEqualTo(Math.Min(maxThreads, WorkerPool.Width)));
        if (maxThreads == 1 && parts > 0) Assert.That(threads.Keys, Is.EquivalentTo(new[] { Environment.CurrentManagedThreadId }));
    }

    [Test]
    public void AFailingPartIsReportedAndThePoolStaysUsable()
    {
        var failure = Assert.Catch(() => WorkerPool.For(64, p =>
        {
            if (p == 37) throw new InvalidOperationException("part 37");
        }));
        var inner = failure is AggregateException aggregate ? aggregate.InnerException : failure;
        Assert.That(inner, Is.TypeOf<InvalidOperationException>().With.Message.EqualTo("part 37"));

        int sum = 0;
        WorkerPool.For(100, p => Interlocked.Add(ref sum, p));
        Assert.That(sum, Is.EqualTo(99 * 100 / 2));
    }

    [Test]
    public void ANestedLoopRunsInlineOnItsThread()
    {
        var runs = new int[8 * 8];
        WorkerPool.For(8, outer =>
        {
            int thread = Environment.CurrentManagedThreadId;
            WorkerPool.For(8, inner =>
            {
                Assert.That(Environment.CurrentManagedThreadId, Is.EqualTo(thread));
                Interlocked.Increment(ref runs[outer * 8 + inner]);
            });
        });
        Assert.That(runs, Is.All.EqualTo(1));
    }
}
