using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Captioning;

/// <summary>What the caption benchmarks share: the full-size model on random weights with a clip's decoder memory, and greedy steps with the KV cache.</summary>
static class GreedyDecoding
{
    /// <summary>The model (std 0.02, seed 3) and <paramref name="batch"/> copies of the memory of a <paramref name="seconds"/> s clip (seed 4), encoded here.</summary>
    public static (CacophonyModel Model, DecoderMemory[] Memories) Prepare(int seconds, int batch, WeightPrecision precision)
    {
        var config = StandardConfigs.Full;
        var model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 3), new ModelOptions { Precision = precision });
        var samples = BenchmarkInputs.Clip(seconds, seed: 4);
        var patches = model.FrontEnd.Process(samples, 16000, SequencePolicy.RetrievalAndCaptioning with { Padding = SequencePadding.Exact }).Patches;
        var audio = model.EncodeAudio(patches);
        var memory = model.Decoder.Remember(audio.Hidden, audio.Patches);
        return (model, Enumerable.Repeat(memory, batch).ToArray());
    }

    /// <summary><paramref name="tokens"/> greedy steps of every clip together, each step one token's row per clip (the KV cache).</summary>
    public static int Cached(CacophonyModel model, DecoderMemory[] memories, int tokens)
    {
        var decoder = model.Decoder;
        var states = memories.Select(decoder.Start).ToArray();
        var last = Enumerable.Repeat(CaptionSearch.Bos, memories.Length).ToArray();
        for (int step = 0; step < tokens; step++)
            last = ArgMaxRows(decoder.Step(states, last.Select(t => new[] { t }).ToArray()), decoder.VocabSize);
        return last[0];
    }

    public static int[] ArgMaxRows(float[] logits, int vocab) =>
        Enumerable.Range(0, logits.Length / vocab).Select(r => TokenSampler.ArgMax(logits.AsSpan(r * vocab, vocab))).ToArray();
}
