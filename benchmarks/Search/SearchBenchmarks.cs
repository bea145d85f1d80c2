using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Cacophony.Kernels.Cpu;
using Cacophony.Search;

namespace Cacophony.Benchmarks.Search;

/// <summary>
/// One query against an index of 10 k, 100 k or 1 M entries (768-d, float32 or int8), at 1 and 2 threads:
/// our search (blocked kernels on the worker threads, top 20), a plain loop over the same memory-mapped rows
/// (one scalar dot product per row, then a sort), and the memory bandwidth reference: one pass summing the
/// vector block with TensorPrimitives on the same threads, the speed a search bound by memory could reach.
/// Run: dotnet run -c Release --project benchmarks -- --filter '*SearchBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 7)]
public unsafe class SearchBenchmarks
{
    AudioIndex _index = null!;
    IndexFile _file = null!;
    float[] _query = null!;

    [Params(10_000, 100_000, 1_000_000)]
    public int Entries { get; set; }

    [Params(VectorStorage.Float32, VectorStorage.Int8)]
    public VectorStorage Storage { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Open()
    {
        WorkerPool.MaxThreads = Threads;
        string path = SyntheticLibraryIndex.Ensure(Entries, Storage);
        _index = AudioIndex.Open(path);
        _file = _index.Opened;
        var random = new Random(3);
        _query = Enumerable.Range(0, SyntheticLibraryIndex.Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        System.Numerics.Tensors.TensorPrimitives.Divide(_query, System.Numerics.Tensors.TensorPrimitives.Norm(_query), _query);
        _index.Search(_query); // pages in
        var process = System.Diagnostics.Process.GetCurrentProcess();
        Console.WriteLine($"// index {new FileInfo(path).Length / 1e6:0.0} MB; after opening and one query: working set {process.WorkingSet64 / 1e6:0} MB, managed heap {GC.GetTotalMemory(false) / 1e6:0.0} MB");
    }

    [GlobalCleanup]
    public void Close()
    {
        _index.Dispose();
        WorkerPool.MaxThreads = Environment.ProcessorCount;
    }

    [Benchmark(Baseline = true, Description = "search (top 20)")]
    public float Search() => _index.Search(_query, new SearchOptions { Top = 20 })[0].Score;

    [Benchmark(Description = "plain loop (scalar dot, sort)")]
    public float PlainLoop()
    {
        var segment = _file.Segments[0];
        int rows = segment.Windows, dimension = segment.Dimension;
        var scores = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            float dot = 0;
            if (Storage == VectorStorage.Float32)
            {
                float* row = segment.FloatRows + (long)r * dimension;
                for (int j = 0; j < dimension; j++) dot += row[j] * _query[j];
            }
            else
            {
                sbyte* row = segment.Int8Rows + (long)r * dimension;
                for (int j = 0; j < dimension; j++) dot += row[j] * _query[j];
                dot *= segment.Scales[r];
            }
            scores[r] = dot;
        }
        Array.Sort(scores);
        return scores[^1];
    }

    [Benchmark(Description = "memory bandwidth: sum of the vector block")]
    public float Bandwidth()
    {
        var segment = _file.Segments[0];
        long bytes = Storage == VectorStorage.Float32 ? (long)segment.Windows * segment.Dimension * 4 : (long)segment.Windows * segment.Dimension;
        const int Block = 1 << 20;
        int blocks = (int)((bytes + Block - 1) / Block);
        var sums = new float[blocks];
        WorkerPool.For(blocks, b =>
        {
            long start = (long)b * Block;
            int length = (int)Math.Min(Block, bytes - start);
            sums[b] = System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(segment.Vectors + start, length / 4));
        });
        return sums.Sum();
    }
}
