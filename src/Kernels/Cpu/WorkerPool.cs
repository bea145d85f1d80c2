namespace Cacophony.Kernels.Cpu;

/// <summary>
/// A parallel loop on long-lived worker threads (the caller is one of them), with no per-call task
/// allocation. The parts are handed out from a shared counter: each thread takes the next part when it is
/// done with its last. Parts of equal size each on their own thread (static partitioning) assumes cores of
/// equal speed, and on a shared VM they are not: one vCPU slowed by its neighbours held up every loop
/// (a 100-token caption at 2 threads: 0.81x ONNX Runtime with static halves, 0.91-0.97x with claimed
/// chunks; docs/PERFORMANCE.md). If another caller holds the workers (concurrent model users), the loop
/// simply runs inline on the calling thread.
/// </summary>
public static class WorkerPool
{
    static readonly Worker[] Workers = Enumerable.Range(1, Math.Max(0, Environment.ProcessorCount - 1)).Select(i => new Worker(i)).ToArray();
    static readonly Lock Gate = new();

    /// <summary>Upper bound on the threads a loop uses (benchmarks compare 1 and 2).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Threads available to a loop, the caller included.</summary>
    public static int Width => Math.Max(1, Math.Min(Workers.Length + 1, MaxThreads));

    /// <summary>Runs body(0) .. body(parts - 1), each part once, on up to <see cref="Width"/> (and <paramref name="maxThreads"/>) threads.</summary>
    public static void For(int parts, Action<int> body, int maxThreads = int.MaxValue)
    {
        int threads = Math.Min(Math.Min(parts, Width), maxThreads);
        // Inline when there is nothing to split, when nested (the lock is reentrant, the workers are busy),
        // or when another caller holds the workers.
        if (threads <= 1 || Gate.IsHeldByCurrentThread || !Gate.TryEnter())
        {
            for (int p = 0; p < parts; p++) body(p);
            return;
        }
        try
        {
            int helpers = threads - 1, next = 0;
            using var done = new CountdownEvent(helpers);
            Exception? failure = null;
            void Claim()
            {
                for (int p; (p = Interlocked.Increment(ref next) - 1) < parts;) body(p);
            }
            for (int w = 0; w < helpers; w++)
                Workers[w].Post(() =>
                {
                    try
                    {
                        Claim();
                    }
                    catch (Exception e)
                    {
                        failure = e;
                        Volatile.Write(ref next, parts); // the others stop at their next claim
                    }
                    finally
                    {
                        done.Signal();
                    }
                });
            try
            {
                Claim();
            }
            finally
            {
                Volatile.Write(ref next, parts);
                done.Wait();
            }
            if (failure is not null) throw new AggregateException(failure);
        }
        finally
        {
            Gate.Exit();
        }
    }

    /// <summary>
    /// A worker thread that spins for a short while after each piece of work before it blocks: a forward pass
    /// posts a loop every few hundred microseconds (48 small products for a 100-token caption), and waking a
    /// blocked thread costs tens of microseconds on a VM. Spinning is bounded, so an idle model costs nothing.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A worker lives as long as the process (a background thread); its semaphore goes with it.")]
    sealed class Worker
    {
        static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 us

        readonly SemaphoreSlim _ready = new(0);
        Action? _work;
        int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"cacophony-worker-{index}" };
            thread.Start();
        }

        public void Post(Action work)
        {
            Volatile.Write(ref _work, work);
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _ready.Release();
        }

        void Loop()
        {
            while (true)
            {
                var work = Volatile.Read(ref _work);
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                while (work is null && System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    Thread.SpinWait(20);
                    work = Volatile.Read(ref _work);
                }
                if (work is null)
                {
                    // Say we sleep, then look once more: a Post in between either sees the flag (and releases
                    // the semaphore) or its work is seen here.
                    Interlocked.Exchange(ref _sleeping, 1);
                    work = Volatile.Read(ref _work);
                    if (work is null || Interlocked.Exchange(ref _sleeping, 0) == 0) _ready.Wait();
                    work = Volatile.Read(ref _work)!;
                }
                Volatile.Write(ref _work, null);
                work();
            }
        }
    }
}
