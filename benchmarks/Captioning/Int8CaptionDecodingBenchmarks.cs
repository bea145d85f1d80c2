using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Weights;

namespace Cacophony.Benchmarks.Captioning;

/// <summary>
/// A greedy caption step with the KV cache, float32 against int8 products, at full size (random weights, std 0.02;
/// 10 s clip; batch 1 and 8): at batch 1 a step streams every text, decoder and vocabulary weight for one row, so
/// it is bound by memory bandwidth and int8's weights, a quarter of the bytes, count more than its products. Times
/// are per generated token (OperationsPerInvoke); the audio encoder is outside the timing.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class Int8CaptionDecodingBenchmarks
{
    const int Tokens = 24;
    CacophonyModel _model = null!;
    DecoderMemory[] _memories = [];

    [Params("fp32", "int8")]
    public string Precision = "";

    [Params(1, 8)]
    public int Batch;

    [Params(2)]
    public int Threads;

    [GlobalSetup]
    public void Setup()
    {
        WorkerPool.MaxThreads = Threads;
        (_model, _memories) = GreedyDecoding.Prepare(10, Batch, Precision == "int8" ? WeightPrecision.Int8 : WeightPrecision.Float32);
    }

    [Benchmark(Description = "greedy step, KV cache", OperationsPerInvoke = Tokens)]
    public int Cached() => GreedyDecoding.Cached(_model, _memories, Tokens);

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        WorkerPool.MaxThreads = Environment.ProcessorCount;
    }
}
