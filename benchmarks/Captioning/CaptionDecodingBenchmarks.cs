using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Weights;

namespace Cacophony.Benchmarks.Captioning;

/// <summary>
/// Greedy caption decoding at full size (random weights, std 0.02): a fixed number of tokens per clip for 10 s
/// and 30 s clips, batch 1 and 8, with the KV cache (one token's row per step) against recomputing the whole
/// prefix every step. Times are per generated token (OperationsPerInvoke), so 1 / time is tokens per second.
/// The audio encoder is outside the timing (its cost is in the encoder benchmarks).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CaptionDecodingBenchmarks
{
    const int Tokens = 24;
    CacophonyModel _model = null!;
    DecoderMemory[] _memories = [];

    [Params(10, 30)]
    public int Seconds;

    [Params(1, 8)]
    public int Batch;

    [Params(2)]
    public int Threads;

    [GlobalSetup]
    public void Setup()
    {
        WorkerPool.MaxThreads = Threads;
        (_model, _memories) = GreedyDecoding.Prepare(Seconds, Batch, WeightPrecision.Float32);
    }

    [Benchmark(Baseline = true, Description = "greedy, KV cache", OperationsPerInvoke = Tokens)]
    public int Cached() => GreedyDecoding.Cached(_model, _memories, Tokens);

    [Benchmark(Description = "greedy, prefix recomputed every step", OperationsPerInvoke = Tokens)]
    public int Recomputed()
    {
        var decoder = _model.Decoder;
        var prefixes = Enumerable.Range(0, Batch).Select(_ => new List<int> { CaptionSearch.Bos }).ToArray();
        for (int step = 0; step < Tokens; step++)
        {
            var next = GreedyDecoding.ArgMaxRows(decoder.Step(_memories.Select(decoder.Start).ToArray(), prefixes.Select(p => p.ToArray()).ToArray()), decoder.VocabSize);
            for (int b = 0; b < Batch; b++) prefixes[b].Add(next[b]);
        }
        return prefixes[0][^1];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        WorkerPool.MaxThreads = Environment.ProcessorCount;
    }
}
