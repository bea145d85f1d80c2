using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Tests.Model;

/// <summary>
/// int8 weights against the float32 engine on the same weights: the cosine of every embedding (audio 5, 10 and
/// 30 s, texts) at the published shapes on random weights (std 0.02), and the same with a few channels of every
/// LayerNorm's output made 30x larger, as trained transformers have them. The cosines are printed for docs/PERFORMANCE.md.
/// </summary>
[Category("FullSize")]
public class Int8AccuracyTests
{
    [TestCase(false, 0.999)]
    [TestCase(true, 0.998)]
    public void Int8EmbeddingsFollowTheFloat32Engine(bool outliers, double minimum)
    {
        var config = StandardConfigs.Full with { Decoder = null };
        IWeightSource weights = new SyntheticWeights(config, std: 0.02, seed: 17);
        if (outliers) weights = new OutlierChannels(weights, factor: 30, every: 97);
        using var float32 = CacophonyModel.FromWeights(config, weights);
        using var int8 = CacophonyModel.FromWeights(config, weights, new ModelOptions { Backend = new CpuBackend(int8Weights: true) });

        var random = new Random(3);
        foreach (int seconds in new[] { 5, 10, 30 })
        {
            var clip = Enumerable.Range(0, seconds * 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000)
                + 0.2 * Math.Sin(2 * Math.PI * (900 + 300 * Math.Sin(i / 16000.0)) * i / 16000) + 0.05 * (random.NextDouble() - 0.5))).ToArray();
            var patches = float32.FrontEnd.Process(clip, 16000, new SequencePolicy { Padding = SequencePadding.Exact, Length = 1500 }).Patches;
            Check($"audio {seconds} s", float32.EncodeAudio(patches).Normalized, int8.EncodeAudio(patches).Normalized, minimum);
        }
        int[][] texts = [[0, 713, 16, 10, 2369, 9, 2335, 2], [0, 250, 313, 4922, 6, 172, 10, 512, 1883, 30506, 2572, 2], [0, .. Enumerable.Range(0, 98).Select(i => 1000 + 37 * i), 2]];
        foreach (var ids in texts) Check($"text of {ids.Length} tokens", float32.EncodeTokens(ids).Normalized, int8.EncodeTokens(ids).Normalized, minimum);

        void Check(string what, float[] reference, float[] quantized, double atLeast)
        {
            double cosine = Embedding.Cosine(reference, quantized);
            TestContext.Out.WriteLine($"{(outliers ? "with outlier channels" : "random weights")}: {what}: cosine {cosine:F6}");
            Assert.That(cosine, Is.GreaterThanOrEqualTo(atLeast), what);
        }
    }

    /// <summary>
    /// Every LayerNorm's scale at every `every`-th channel multiplied by `factor`: those channels of every normalized
    /// activation (the inputs of q/k/v and the MLPs) become outliers, as in trained transformers.
    /// </summary>
    sealed class OutlierChannels(IWeightSource inner, float factor, int every) : IWeightSource
    {
        public int[] Shape(string name) => inner.Shape(name);

        public float[] Read(string name)
        {
            var values = inner.Read(name);
            Scale(name, values);
            return values;
        }

        public void ReadInto(string name, Span<float> destination)
        {
            inner.ReadInto(name, destination);
            Scale(name, destination);
        }

        void Scale(string name, Span<float> values)
        {
            var shape = inner.Shape(name);
            if (!name.EndsWith(".scale", StringComparison.Ordinal) || shape.Length != 1) return;
            for (int channel = 0; channel < values.Length; channel += every) values[channel] *= factor;
        }
    }
}
