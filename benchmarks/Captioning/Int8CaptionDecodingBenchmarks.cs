using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Synthetic;

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
        var config = StandardConfigs.Full;
        var options = new ModelOptions { Precision = Precision == "int8" ? WeightPrecision.Int8 : WeightPrecision.Float32 };
        _model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 3), options);
        var samples = BenchmarkInputs.Clip(10, seed: 4);
        var patches = _model.FrontEnd.Process(samples, 16000, SequencePolicy.RetrievalAndCaptioning with { Padding = SequencePadding.Exact }).Patches;
        var audio = _model.EncodeAudio(patches);
        var memory = _model.Decoder.Remember(audio.Hidden, audio.Patches);
        _memories = Enumerable.Repeat(memory, Batch).ToArray();
    }

    [Benchmark(Description = "greedy step, KV cache", OperationsPerInvoke = Tokens)]
    public int Cached()
    {
        var decoder = _model.Decoder;
        var states = _memories.Select(decoder.Start).ToArray();
        var last = Enumerable.Repeat(CaptionSearch.Bos, Batch).ToArray();
        for (int step = 0; step < Tokens; step++)
        {
            var logits = decoder.Step(states, last.Select(t => new[] { t }).ToArray());
            last = Enumerable.Range(0, Batch).Select(r => TokenSampler.ArgMax(logits.AsSpan(r * decoder.VocabSize, decoder.VocabSize))).ToArray();
        }
        return last[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        WorkerPool.MaxThreads = Environment.ProcessorCount;
    }
}
