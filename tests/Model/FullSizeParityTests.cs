using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Tests.Model;

/// <summary>
/// The engine at the published shapes (12 + 12 layers, 768 wide) on random weights (std 0.02) against the
/// float64 reference model: embeddings within max-abs 1e-4 and cosine >= 0.99999, the same top-1 text for
/// every clip. Short inputs keep the float64 side to seconds.
/// </summary>
[Category("FullSize")]
public class FullSizeParityTests
{
    [Test]
    public void EmbeddingsAndRankingMatchFloat64()
    {
        var config = StandardConfigs.Full with { Decoder = null };
        var weights = new MemoizedWeights(new SyntheticWeights(config, std: 0.02, seed: 11));
        using var engine = CacophonyModel.FromWeights(config, weights);
        var reference = new ReferenceModel(config, weights);

        var random = new Random(5);
        var clips = new[] { 440.0, 1250.0 }.Select(hz => Enumerable.Range(0, 32000)
            .Select(i => (float)(0.4 * Math.Sin(2 * Math.PI * hz * i / 16000) + 0.05 * (random.NextDouble() - 0.5))).ToArray()).ToArray();
        int[][] texts = [[0, 713, 16, 10, 2369, 9, 2335, 2], [0, 250, 313, 4922, 6, 172, 10, 512, 1883, 30506, 2572, 2], [0, 31414, 232, 2], [0, 23074, 5712, 11844, 15, 10, 12899, 5645, 2]];

        var audioEngine = new List<float[]>();
        var audioReference = new List<double[]>();
        foreach (var clip in clips)
        {
            var patches = engine.FrontEnd.Process(clip, 16000, new SequencePolicy { Padding = SequencePadding.Exact }).Patches;
            audioEngine.Add(engine.EncodeAudio(patches).Normalized);
            audioReference.Add(reference.EmbedAudio(patches));
        }
        var textEngine = texts.Select(ids => engine.EncodeTokens(ids).Normalized).ToList();
        var textReference = texts.Select(reference.EmbedText).ToList();

        foreach (var (kind, ours, truth) in audioEngine.Zip(audioReference).Select(p => ("audio", p.First, p.Second))
                     .Concat(textEngine.Zip(textReference).Select(p => ("text", p.First, p.Second))))
        {
            double maxAbs = ours.Select((v, i) => Math.Abs(v - truth[i])).Max();
            double cosine = ours.Select((v, i) => v * truth[i]).Sum() / Math.Sqrt(ours.Sum(v => (double)v * v) * truth.Sum(v => v * v));
            TestContext.Out.WriteLine($"full-size {kind} embedding: max-abs {maxAbs:E2}, cosine {cosine:F8}");
            Assert.That(maxAbs, Is.LessThan(1e-4));
            Assert.That(cosine, Is.GreaterThanOrEqualTo(0.99999));
        }
        for (int a = 0; a < clips.Length; a++)
        {
            int oursTop = Enumerable.Range(0, texts.Length).MaxBy(t => Embedding.Cosine(audioEngine[a], textEngine[t]));
            int truthTop = Enumerable.Range(0, texts.Length).MaxBy(t => audioReference[a].Select((v, i) => v * textReference[t][i]).Sum());
            Assert.That(oursTop, Is.EqualTo(truthTop), $"top-1 text of clip {a}");
        }
    }
}

/// <summary>
/// Greedy captioning at the published shapes (12 text + 4 decoder layers, 50,265-token vocabulary) on random
/// weights: at every step the engine's token must be the float64 reference's argmax wherever the reference's
/// top-2 margin exceeds 1e-3, and the chosen logit must agree.
/// </summary>
[Category("FullSize")]
public class FullSizeCaptionParityTests
{
    [Test]
    public void GreedyTokensMatchFloat64()
    {
        var config = StandardConfigs.Full;
        var weights = new MemoizedWeights(new SyntheticWeights(config, std: 0.02, seed: 12));
        using var engine = CacophonyModel.FromWeights(config, weights);
        var reference = new ReferenceModel(config, weights);

        var random = new Random(9);
        var clip = Enumerable.Range(0, 24000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 700 * i / 16000) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
        var patches = engine.FrontEnd.Process(clip, 16000, new SequencePolicy { Padding = SequencePadding.Exact }).Patches;
        var audio = engine.EncodeAudio(patches);
        const int steps = 5;
        var caption = Cacophony.Model.Captioning.CaptionSearch.Run(engine.Decoder, [engine.Decoder.Remember(audio.Hidden, audio.Patches)],
            new Cacophony.Model.Captioning.DecodingOptions { MaxTokens = steps })[0];

        var hidden = reference.AudioHidden(patches);
        var fed = new List<int> { 0 };
        int checkedSteps = 0;
        for (int i = 0; i < caption.Tokens.Length; i++)
        {
            var logits = reference.NextTokenLogits(hidden, patches.RealCount, fed.ToArray());
            var order = Enumerable.Range(0, logits.Length).OrderByDescending(j => logits[j]).Take(2).ToArray();
            double margin = logits[order[0]] - logits[order[1]];
            TestContext.Out.WriteLine($"step {i}: engine {caption.Tokens[i]} (logit {caption.ChosenLogits[i]:F6}), float64 argmax {order[0]} (logit {logits[order[0]]:F6}, top-2 margin {margin:E2})");
            Assert.That(caption.ChosenLogits[i], Is.EqualTo(logits[caption.Tokens[i]]).Within(1e-4), $"chosen logit at step {i}");
            if (margin > 1e-3)
            {
                Assert.That(caption.Tokens[i], Is.EqualTo(order[0]), $"token at step {i}");
                checkedSteps++;
            }
            fed.Add(caption.Tokens[i]);
        }
        Assert.That(checkedSteps, Is.GreaterThan(0), "no step had a decisive margin");
    }
}
