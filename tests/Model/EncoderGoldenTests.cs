using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;

namespace Cacophony.Tests.Model;

/// <summary>
/// The audio and text towers on the golden tiny model against the float64 reference. Tolerances sit
/// above manifest.json's float32-model noise (~2e-6 on hidden states, ~1e-7 on embeddings) and far below
/// sensitivity.json's smallest bug (audio LayerNorm eps 1e-5 instead of 1e-6 moves audio_hidden by 1.7e-5).
/// </summary>
public class EncoderGoldenTests : TinyModelFixture
{
    static AudioPatches GoldenPatches(string caseName) => new(
        Golden.Floats(caseName, "patches"), Golden.Ints(caseName, "time_inds"), Golden.Ints(caseName, "freq_inds"),
        Golden.Ints(caseName, "mask"), Golden.Ints(caseName, "mask").Sum());

    [TestCaseSource(typeof(Golden), nameof(Golden.AudioCases))]
    public void AudioTowerMatchesTheReference(string caseName)
    {
        var patches = GoldenPatches(caseName);
        var result = Model.EncodeAudio(patches);
        int width = Model.Config.Audio.HiddenSize;
        var goldenHidden = Golden.Floats(caseName, "audio_hidden").AsSpan(0, patches.RealCount * width);
        var (hidden, _) = Golden.Report($"{caseName} audio_hidden (real rows)", result.Hidden, goldenHidden);
        var (unnorm, _) = Golden.Report($"{caseName} audio_embedding_unnorm", result.Unnormalized, Golden.Floats(caseName, "audio_embedding_unnorm"));
        var (norm, _) = Golden.Report($"{caseName} audio_embedding", result.Normalized, Golden.Floats(caseName, "audio_embedding"));
        Assert.Multiple(() =>
        {
            Assert.That(hidden, Is.LessThan(1e-5));
            Assert.That(unnorm, Is.LessThan(2e-6));
            Assert.That(norm, Is.LessThan(1e-6));
        });
    }

    [TestCase("text_main")]
    [TestCase("text_long_maxlen77")]
    public void TextTowerMatchesTheReference(string caseName)
    {
        var ids = Golden.Load(caseName, "token_ids");
        var mask = Golden.Ints(caseName, "text_mask");
        int n = ids.Shape[0], maxLength = ids.Shape[1], width = Model.Config.Text!.HiddenSize, projection = Model.Config.ProjectionSize;
        var hidden = Golden.Floats(caseName, "text_hidden");
        var pooled = Golden.Floats(caseName, "text_pooled");
        var unnorm = Golden.Floats(caseName, "text_embedding_unnorm");
        var norm = Golden.Floats(caseName, "text_embedding");
        double worstHidden = 0, worstPooled = 0, worstUnnorm = 0, worstNorm = 0;
        for (int i = 0; i < n; i++)
        {
            int length = mask.AsSpan(i * maxLength, maxLength).ToArray().Sum();
            var result = Model.EncodeTokens(ids.Int32!.AsSpan(i * maxLength, length).ToArray());
            worstHidden = Math.Max(worstHidden, Golden.Report($"{caseName}[{i}] text_hidden ({length} tokens)", result.Hidden, hidden.AsSpan(i * maxLength * width, length * width)).MaxAbs);
            worstPooled = Math.Max(worstPooled, Golden.Report($"{caseName}[{i}] text_pooled", result.Pooled, pooled.AsSpan(i * width, width)).MaxAbs);
            worstUnnorm = Math.Max(worstUnnorm, Golden.Report($"{caseName}[{i}] text_embedding_unnorm", result.Unnormalized, unnorm.AsSpan(i * projection, projection)).MaxAbs);
            worstNorm = Math.Max(worstNorm, Golden.Report($"{caseName}[{i}] text_embedding", result.Normalized, norm.AsSpan(i * projection, projection)).MaxAbs);
        }
        Assert.Multiple(() =>
        {
            Assert.That(worstHidden, Is.LessThan(1e-5));
            Assert.That(worstPooled, Is.LessThan(2e-6));
            Assert.That(worstUnnorm, Is.LessThan(2e-6));
            Assert.That(worstNorm, Is.LessThan(1e-6));
        });
    }

    [Test]
    public void BatchesGiveExactlyTheUnbatchedResults()
    {
        var clips = Golden.AudioCases.Select(GoldenPatches).ToList();
        var batched = Model.EncodeAudio(clips);
        for (int i = 0; i < clips.Count; i++)
        {
            var alone = Model.EncodeAudio(clips[i]);
            Assert.That(Compare.BitMismatches(batched[i].Hidden, alone.Hidden), Is.Zero, $"audio clip {i} hidden");
            Assert.That(Compare.BitMismatches(batched[i].Normalized, alone.Normalized), Is.Zero, $"audio clip {i} embedding");
        }
        var ids = Golden.Load("text_main", "token_ids");
        var mask = Golden.Ints("text_main", "text_mask");
        var texts = Enumerable.Range(0, ids.Shape[0]).Select(i => ids.Int32!.AsSpan(i * 100, mask.AsSpan(i * 100, 100).ToArray().Sum()).ToArray()).ToList();
        var batchedText = Model.EncodeTokens(texts);
        for (int i = 0; i < texts.Count; i++)
            Assert.That(Compare.BitMismatches(batchedText[i].Normalized, Model.EncodeTokens(texts[i]).Normalized), Is.Zero, $"text {i}");
    }

    [Test]
    public void ConcurrentCallersGetTheSequentialResults()
    {
        var clips = Golden.AudioCases.Select(GoldenPatches).ToList();
        var sequential = clips.Select(c => Model.EncodeAudio(c).Normalized).ToList();
        var concurrent = new float[clips.Count][];
        Parallel.For(0, clips.Count * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var result = Model.EncodeAudio(clips[i % clips.Count]).Normalized;
            if (i < clips.Count) concurrent[i] = result;
            else Assert.That(Compare.BitMismatches(result, sequential[i % clips.Count]), Is.Zero);
        });
        for (int i = 0; i < clips.Count; i++) Assert.That(Compare.BitMismatches(concurrent[i], sequential[i]), Is.Zero, $"clip {i}");
    }

    [Test]
    public void ScaledLogitsMatchTheReference()
    {
        var audio = Golden.AudioCases.Select(c => Model.EncodeAudio(GoldenPatches(c)).Normalized).ToArray();
        var ids = Golden.Load("text_main", "token_ids");
        var mask = Golden.Ints("text_main", "text_mask");
        int n = ids.Shape[0], maxLength = ids.Shape[1];
        var text = Enumerable.Range(0, n).Select(i => Model.EncodeTokens(ids.Int32!.AsSpan(i * maxLength, mask.AsSpan(i * maxLength, maxLength).ToArray().Sum()).ToArray()).Normalized).ToArray();
        var logits = new float[audio.Length * n];
        var cosine = new float[audio.Length * n];
        for (int a = 0; a < audio.Length; a++)
            for (int t = 0; t < n; t++)
            {
                cosine[a * n + t] = (float)CacophonyModel.Similarity(audio[a], text[t]);
                logits[a * n + t] = (float)Model.Logit(audio[a], text[t]);
            }
        var (logitError, _) = Golden.Report("logits_audio_text", logits, Golden.Floats("logits", "logits_audio_text"));
        var (cosineError, _) = Golden.Report("similarity_audio_text", cosine, Golden.Floats("logits", "similarity_audio_text"));
        Assert.That(logitError, Is.LessThan(2e-5));
        Assert.That(cosineError, Is.LessThan(1e-6));
        // The same ranking: every audio clip's best text, and every text's best clip.
        var golden = Golden.Floats("logits", "logits_audio_text");
        for (int a = 0; a < audio.Length; a++)
            Assert.That(ArgMax(logits.AsSpan(a * n, n)), Is.EqualTo(ArgMax(golden.AsSpan(a * n, n))), $"top-1 text of audio {a}");
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
