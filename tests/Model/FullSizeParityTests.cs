using Cacophony.Model;
using Cacophony.Model.Audio;
using Cacophony.Model.Layers;
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
        var weights = new SyntheticWeights(config, std: 0.02, seed: 11);
        using var engine = new CacophonyModel(config, weights);
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
