using System.Diagnostics;
using Cacophony.Kernels.Cpu;
using Cacophony.Search;

namespace Cacophony.Benchmarks.Search;

/// <summary>
/// Where a query's time goes: `--search-stages ENTRIES float32|int8 THREADS` times the scoring pass (every
/// window's dot product) and the ranking pass (best window per file, top 20) of the synthetic index separately,
/// 15 queries each, and prints the medians and the scoring pass's bytes per second.
/// </summary>
static class SearchStages
{
    /// <summary>One pass over every segment's vectors, summed in 1 MB blocks on the worker threads: the memory's speed.</summary>
    static unsafe float ReadAll(IndexFile index)
    {
        float total = 0;
        foreach (var segment in index.Segments)
        {
            long bytes = segment.Storage == VectorStorage.Float32 ? (long)segment.Windows * segment.Dimension * 4 : (long)segment.Windows * (segment.Dimension + 4);
            int blocks = (int)((bytes + (1 << 20) - 1) >> 20);
            var sums = new float[blocks];
            WorkerPool.For(blocks, b =>
            {
                long start = (long)b << 20;
                sums[b] = System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(segment.Vectors + start, (int)Math.Min(1 << 20, bytes - start) / 4));
            });
            total += sums.Sum();
        }
        return total;
    }

    public static bool TryRun(string[] args)
    {
        if (args.Length < 4 || args[0] != "--search-stages") return false;
        int entries = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var storage = args[2] == "int8" ? VectorStorage.Int8 : VectorStorage.Float32;
        WorkerPool.MaxThreads = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        string path = SyntheticLibraryIndex.Ensure(entries, storage);
        long heapBefore = GC.GetTotalMemory(true);
        var opening = Stopwatch.StartNew();
        using var index = IndexFile.Open(path);
        double opened = opening.Elapsed.TotalMilliseconds;
        var random = new Random(3);
        var query = Enumerable.Range(0, SyntheticLibraryIndex.Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        System.Numerics.Tensors.TensorPrimitives.Divide(query, System.Numerics.Tensors.TensorPrimitives.Norm(query), query);
        var scoring = new List<double>();
        var ranking = new List<double>();
        var reading = new List<double>();
        for (int i = 0; i < 16; i++)
        {
            var clock = Stopwatch.StartNew();
            var scores = VectorSearch.Scores(index, query);
            double scored = clock.Elapsed.TotalMilliseconds;
            VectorSearch.Top(index, scores, new SearchOptions());
            double ranked = clock.Elapsed.TotalMilliseconds - scored;
            clock.Restart();
            ReadAll(index);
            if (i == 0) continue;
            reading.Add(clock.Elapsed.TotalMilliseconds);
            scoring.Add(scored);
            ranking.Add(ranked);
        }
        long bytes = storage == VectorStorage.Float32 ? (long)index.Windows * index.Header.Dimension * 4 : (long)index.Windows * (index.Header.Dimension + 4);
        double score = scoring.Order().ElementAt(scoring.Count / 2), rank = ranking.Order().ElementAt(ranking.Count / 2), read = reading.Order().ElementAt(reading.Count / 2);
        Console.WriteLine($"{entries} {storage}: opened in {opened:F0} ms, managed memory {(GC.GetTotalMemory(true) - heapBefore) / 1e6:F0} MB ({(GC.GetTotalMemory(true) - heapBefore) / (double)entries:F0} bytes an entry)");
        var process = Process.GetCurrentProcess();
        Console.WriteLine($"{entries} {storage}: working set after the queries {process.WorkingSet64 / 1e6:F0} MB (the mapped index file {new FileInfo(path).Length / 1e6:F0} MB of it)");
        Console.WriteLine($"{entries} {storage}, {WorkerPool.Width} thread(s): scoring {score:F1} ms ({bytes / score / 1e6:F1} GB/s), ranking {rank:F1} ms; reading the vectors {read:F1} ms ({bytes / read / 1e6:F1} GB/s)");
        return true;
    }
}
