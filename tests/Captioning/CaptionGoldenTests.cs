using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;

namespace Cacophony.Tests.Captioning;

/// <summary>
/// The caption decoder on the golden tiny model against the float64 reference. Logit tolerance 4e-6:
/// above manifest.json's float32-model noise on decoder logits (1.2e-6) and below sensitivity.json's
/// smallest decoder-visible bug (audio LayerNorm eps 1e-5: 6.0e-6).
/// </summary>
public class CaptionGoldenTests : TinyModelFixture
{
    const double LogitTolerance = 4e-6;

    DecoderMemory Memory(string caseName)
    {
        var mask = Golden.Ints(caseName, "mask");
        var patches = new AudioPatches(Golden.Floats(caseName, "patches"), Golden.Ints(caseName, "time_inds"), Golden.Ints(caseName, "freq_inds"), mask, mask.Sum());
        var audio = Model.EncodeAudio(patches);
        return Model.Decoder.Remember(audio.Hidden, audio.Patches);
    }

    [TestCase("audio_front_center", "A")]
    [TestCase("audio_front_center", "B")]
    [TestCase("audio_long_16k_seq40", "A")]
    public void TeacherForcedLogitsMatchTheReference(string caseName, string prefix)
    {
        var ids = Golden.Ints(caseName, $"decoder_prefix_{prefix}");
        var logits = Model.Decoder.TeacherForced(Memory(caseName), ids);
        var (maxAbs, _) = Golden.Report($"{caseName} decoder_tf_logits_{prefix} ({ids.Length} x {Model.Decoder.VocabSize})", logits, Golden.Floats(caseName, $"decoder_tf_logits_{prefix}"));
        Assert.That(maxAbs, Is.LessThan(LogitTolerance));
    }

    [Test]
    public void CachedStepsGiveTheLogitsOfAFullRecompute()
    {
        var memory = Memory("audio_front_center");
        var ids = Golden.Ints("audio_front_center", "decoder_prefix_B");
        int vocab = Model.Decoder.VocabSize;
        var full = Model.Decoder.TeacherForced(memory, ids);
        var state = Model.Decoder.Start(memory);
        var stepped = new float[ids.Length * vocab];
        // First two tokens as one chunk (a prompt), then one token per step.
        Model.Decoder.Step([state], [ids[..2]]).CopyTo(stepped.AsSpan(vocab));
        Model.Decoder.TeacherForced(memory, ids[..1]).CopyTo(stepped.AsSpan(0));
        for (int i = 2; i < ids.Length; i++)
            Model.Decoder.Step([state], [[ids[i]]]).CopyTo(stepped.AsSpan(i * vocab));
        Assert.That(state.Length, Is.EqualTo(ids.Length));
        var (maxAbs, _) = Golden.Report("cached steps vs full recompute", stepped, full);
        Assert.That(maxAbs, Is.LessThan(1e-6));
    }

    [TestCaseSource(typeof(Golden), nameof(Golden.AudioCases))]
    public void GreedyTokensMatchTheReference(string caseName)
    {
        var expected = Golden.Ints(caseName, "greedy_tokens"); // <s> + 12 steps, 0 after </s>
        var expectedLogits = Golden.Floats(caseName, "greedy_token_logits");
        int steps = expected.Length - 1;
        var caption = CaptionSearch.Run(Model.Decoder, [Memory(caseName)], new DecodingOptions { MaxTokens = steps })[0];
        int end = Array.IndexOf(expected, CaptionSearch.Eos, 1);
        int compared = end < 0 ? steps : end;
        TestContext.Out.WriteLine($"{caseName}: tokens {string.Join(' ', caption.Tokens)} (reference {string.Join(' ', expected[1..])})");
        Assert.That(caption.Tokens, Is.EqualTo(expected[1..(compared + 1)]));
        var (maxAbs, _) = Golden.Report($"{caseName} greedy_token_logits", caption.ChosenLogits, expectedLogits.AsSpan(0, compared));
        Assert.That(maxAbs, Is.LessThan(LogitTolerance));
    }

    [Test]
    public void ABatchDecodesLikeEachClipAlone()
    {
        var memories = Golden.AudioCases.Select(Memory).ToList();
        var options = new DecodingOptions { MaxTokens = 20 };
        var together = CaptionSearch.Run(Model.Decoder, memories, options);
        for (int i = 0; i < memories.Count; i++)
        {
            var alone = CaptionSearch.Run(Model.Decoder, [memories[i]], options)[0];
            Assert.That(together[i].Tokens, Is.EqualTo(alone.Tokens), Golden.AudioCases[i]);
            Assert.That(together[i].ChosenLogits, Is.EqualTo(alone.ChosenLogits), Golden.AudioCases[i]);
        }
    }

    [Test]
    public void SamplingIsReproducibleForASeedOnAnyThreadCountAndBatch()
    {
        var memories = Golden.AudioCases.Select(Memory).ToList();
        var options = new DecodingOptions { Strategy = DecodingStrategy.Sample, Temperature = 1.5f, Seed = 7, MaxTokens = 15 };
        var first = CaptionSearch.Run(Model.Decoder, memories, options);
        int saved = WorkerPool.MaxThreads;
        try
        {
            WorkerPool.MaxThreads = 1;
            var oneThread = CaptionSearch.Run(Model.Decoder, memories, options);
            Assert.That(oneThread.Select(c => c.Tokens), Is.EqualTo(first.Select(c => c.Tokens)));
        }
        finally
        {
            WorkerPool.MaxThreads = saved;
        }
        // Clip 3 alone, as stream 3, samples what it sampled inside the batch.
        var alone = CaptionSearch.Run(Model.Decoder, [memories[3]], options, streams: [3UL])[0];
        Assert.That(alone.Tokens, Is.EqualTo(first[3].Tokens));
        // A hot temperature over 50,265 tokens: another seed writes something else.
        var other = CaptionSearch.Run(Model.Decoder, memories, options with { Seed = 8 });
        Assert.That(other.Select(c => c.Tokens), Is.Not.EqualTo(first.Select(c => c.Tokens)));
    }

    [Test]
    public void SamplingWithTopKOfOneIsGreedy()
    {
        var memory = Memory("audio_noise");
        var greedy = CaptionSearch.Run(Model.Decoder, [memory], new DecodingOptions { MaxTokens = 12 })[0];
        var sampled = CaptionSearch.Run(Model.Decoder, [memory], new DecodingOptions { Strategy = DecodingStrategy.Sample, Temperature = 5, TopK = 1, Seed = 3, MaxTokens = 12 })[0];
        Assert.That(sampled.Tokens, Is.EqualTo(greedy.Tokens));
    }

    [Test]
    public void BeamSearchWithOneBeamIsGreedy()
    {
        var memory = Memory("audio_speech_espeak");
        var greedy = CaptionSearch.Run(Model.Decoder, [memory], new DecodingOptions { MaxTokens = 12 })[0];
        var beam = CaptionSearch.Run(Model.Decoder, [memory], new DecodingOptions { Strategy = DecodingStrategy.Beam, Beams = 1, MaxTokens = 12 })[0];
        Assert.That(beam.Tokens, Is.EqualTo(greedy.Tokens));
    }

    /// <summary>The beam's reported score is its tokens' log-probability under a teacher-forced recompute, over length^penalty.</summary>
    [TestCase(3, 1.0f)]
    [TestCase(4, 0.5f)]
    public void BeamScoresAreTheLogProbabilityOfTheirTokens(int beams, float lengthPenalty)
    {
        var memories = new[] { Memory("audio_clip_16k"), Memory("audio_noise") };
        var options = new DecodingOptions { Strategy = DecodingStrategy.Beam, Beams = beams, LengthPenalty = lengthPenalty, MaxTokens = 10 };
        var captions = CaptionSearch.Run(Model.Decoder, memories, options);
        var greedy = CaptionSearch.Run(Model.Decoder, memories, new DecodingOptions { MaxTokens = 10 });
        Assert.That(captions.Select(c => c.Tokens), Is.Not.EqualTo(Array.Empty<int[]>()));
        int vocab = Model.Decoder.VocabSize;
        for (int c = 0; c < memories.Length; c++)
        {
            double LogProbability(int[] tokens)
            {
                int[] fed = [CaptionSearch.Bos, .. tokens[..^1]];
                var logits = Model.Decoder.TeacherForced(memories[c], fed);
                double sum = 0;
                for (int i = 0; i < tokens.Length; i++) sum += TokenSampler.LogSoftmax(logits.AsSpan(i * vocab, vocab))[tokens[i]];
                return sum;
            }
            double expected = LogProbability(captions[c].Tokens) / Math.Pow(captions[c].Tokens.Length + 1, lengthPenalty);
            TestContext.Out.WriteLine($"clip {c}: beam {string.Join(' ', captions[c].Tokens)} score {captions[c].Score:F6} (recomputed {expected:F6}); greedy {string.Join(' ', greedy[c].Tokens)}");
            Assert.That(captions[c].Score, Is.EqualTo(expected).Within(1e-4));
        }
    }
}
