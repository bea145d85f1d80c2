using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Tests.Support;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Tests.Model;

/// <summary>
/// int8 weights against the float32 engine on the same weights: the cosine of every embedding (audio 5, 10 and
/// 30 s, texts) at the published shapes on random weights (std 0.02), and the same with a few channels of every
/// LayerNorm's output made 30x larger, as trained transformers have them; zero-shot top-1 and caption-token
/// agreement. The numbers are printed for docs/PERFORMANCE.md.
/// </summary>
[Category("FullSize")]
public class Int8AccuracyTests
{
    // The two cases' weights differ only by the outlier wrapper, so they are made once for both.
    MemoizedWeights? _randomWeights;

    [OneTimeTearDown]
    public void ReleaseWeights() => _randomWeights = null;

    [TestCase(false, 0.999)]
    [TestCase(true, 0.999)]
    public void Int8EmbeddingsFollowTheFloat32Engine(bool outliers, double minimum)
    {
        var config = StandardConfigs.Full with { Decoder = null };
        IWeightSource weights = _randomWeights ??= new MemoizedWeights(new SyntheticWeights(config, std: 0.02, seed: 17));
        if (outliers) weights = new OutlierChannels(weights, factor: 30, every: 97);
        using var float32 = CacophonyModel.FromWeights(config, weights);
        using var int8 = CacophonyModel.FromWeights(config, weights, new ModelOptions { Backend = new CpuBackend(int8Weights: true) });

        foreach (int seconds in new[] { 5, 10, 30 })
        {
            var patches = float32.FrontEnd.Process(Clip(seconds, 440, seed: 3), 16000, new SequencePolicy { Padding = SequencePadding.Exact, Length = 1500 }).Patches;
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

    static float[] Clip(int seconds, double hertz, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, seconds * 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * hertz * i / 16000)
            + 0.2 * Math.Sin(2 * Math.PI * (2 * hertz + 300 * Math.Sin(i / 16000.0)) * i / 16000) + 0.05 * (random.NextDouble() - 0.5))).ToArray();
    }

    /// <summary>
    /// Zero-shot over 40 labels for 8 clips, and greedy caption tokens teacher-forced on the float32 caption: the
    /// int8 engine's choice may differ from the float32 engine's only where the latter's top two are closer than
    /// int8's error on those scores.
    /// </summary>
    [Test]
    public void ZeroShotAndCaptionChoicesAgree()
    {
        var config = StandardConfigs.Full;
        IWeightSource weights = new OutlierChannels(new MemoizedWeights(new SyntheticWeights(config, std: 0.02, seed: 23)), factor: 30, every: 97);
        using var float32 = CacophonyModel.FromWeights(config, weights);
        using var int8 = CacophonyModel.FromWeights(config, weights, new ModelOptions { Backend = new CpuBackend(int8Weights: true) });

        var labels = Enumerable.Range(0, 40).Select(i => new[] { 0, 713, 16, 10, 2369, 9, 1000 + 97 * i, 2 }).ToArray();
        var textF = labels.Select(l => float32.EncodeTokens(l).Normalized).ToArray();
        var textQ = labels.Select(l => int8.EncodeTokens(l).Normalized).ToArray();
        var policy = new SequencePolicy { Padding = SequencePadding.Exact, Length = 500 };
        int agreed = 0, clips = 8;
        for (int c = 0; c < clips; c++)
        {
            var patches = float32.FrontEnd.Process(Clip(10, 200 + 150 * c, seed: c), 16000, policy).Patches;
            var audioF = float32.EncodeAudio(patches);
            var audioQ = int8.EncodeAudio(patches);
            var scoresF = textF.Select(t => Embedding.Cosine(audioF.Normalized, t)).ToArray();
            var scoresQ = textQ.Select(t => Embedding.Cosine(audioQ.Normalized, t)).ToArray();
            if (Agrees(scoresF, scoresQ, $"zero-shot clip {c}")) agreed++;

            if (c < 2)
            {
                var captionF = CaptionSearch.Run(float32.Decoder, [float32.Decoder.Remember(audioF.Hidden, audioF.Patches)], new DecodingOptions { MaxTokens = 20 })[0];
                int[] ids = [0, .. captionF.Tokens];
                var logitsF = float32.Decoder.TeacherForced(float32.Decoder.Remember(audioF.Hidden, audioF.Patches), ids);
                var logitsQ = int8.Decoder.TeacherForced(int8.Decoder.Remember(audioQ.Hidden, audioQ.Patches), ids);
                int vocabulary = float32.Decoder.VocabSize, same = 0;
                for (int t = 0; t < captionF.Tokens.Length; t++)
                    if (Agrees(logitsF.AsSpan(t * vocabulary, vocabulary).ToArray().Select(v => (double)v).ToArray(),
                        logitsQ.AsSpan(t * vocabulary, vocabulary).ToArray().Select(v => (double)v).ToArray(), $"caption {c} token {t}")) same++;
                TestContext.Out.WriteLine($"caption of clip {c}: {same} of {captionF.Tokens.Length} tokens agree (teacher-forced on the float32 caption)");
            }
        }
        TestContext.Out.WriteLine($"zero-shot top-1 over {labels.Length} labels: {agreed} of {clips} clips agree");

        static bool Agrees(double[] reference, double[] quantized, string what)
        {
            int best = Array.IndexOf(reference, reference.Max()), chosen = Array.IndexOf(quantized, quantized.Max());
            if (best == chosen) return true;
            double error = reference.Zip(quantized, (r, q) => Math.Abs(r - q)).Max();
            double margin = reference[best] - reference.Where((_, i) => i != best).Max();
            TestContext.Out.WriteLine($"{what}: int8 chose {chosen}, float32 {best}, with a float32 margin of {margin:G3} and an int8 error of {error:G3}");
            Assert.That(margin, Is.LessThan(2 * error), what);
            return false;
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
