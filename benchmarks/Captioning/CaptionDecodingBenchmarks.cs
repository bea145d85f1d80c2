using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights.Synthetic;

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
        var config = StandardConfigs.Full;
        _model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 3));
        var samples = BenchmarkInputs.Clip(Seconds, seed: 4);
        var patches = _model.FrontEnd.Process(samples, 16000, SequencePolicy.RetrievalAndCaptioning with { Padding = SequencePadding.Exact }).Patches;
        var audio = _model.EncodeAudio(patches);
        var memory = _model.Decoder.Remember(audio.Hidden, audio.Patches);
        _memories = Enumerable.Repeat(memory, Batch).ToArray();
    }

    [Benchmark(Baseline = true, Description = "greedy, KV cache", OperationsPerInvoke = Tokens)]
    public int Cached()
    {
        var decoder = _model.Decoder;
        var states = _memories.Select(decoder.Start).ToArray();
        var last = Enumerable.Repeat(CaptionSearch.Bos, Batch).ToArray();
        for (int step = 0; step < Tokens; step++)
            last = ArgMaxRows(decoder.Step(states, last.Select(t => new[] { t }).ToArray()), decoder.VocabSize);
        return last[0];
    }

    [Benchmark(Description = "greedy, prefix recomputed every step", OperationsPerInvoke = Tokens)]
    public int Recomputed()
    {
        var decoder = _model.Decoder;
        var prefixes = Enumerable.Range(0, Batch).Select(_ => new List<int> { CaptionSearch.Bos }).ToArray();
        for (int step = 0; step < Tokens; step++)
        {
            var next = ArgMaxRows(decoder.Step(_memories.Select(decoder.Start).ToArray(), prefixes.Select(p => p.ToArray()).ToArray()), decoder.VocabSize);
            for (int b = 0; b < Batch; b++) prefixes[b].Add(next[b]);
        }
        return prefixes[0][^1];
    }

    static int[] ArgMaxRows(float[] logits, int vocab) =>
        Enumerable.Range(0, logits.Length / vocab).Select(r => TokenSampler.ArgMax(logits.AsSpan(r * vocab, vocab))).ToArray();

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        WorkerPool.MaxThreads = Environment.ProcessorCount;
    }
}
