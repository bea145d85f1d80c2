using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Conversion;

namespace Cacophony.Tests.Model;

/// <summary>
/// The golden tiny model quantized by `cacophony quantize` and run as the directory says (int8 products on the
/// CPU engine): its embeddings against the float64 reference's, its greedy captions against the reference's
/// tokens, and the same directory widened to float32 when asked.
/// </summary>
public class Int8ModelDirectoryTests
{
    TempDirectory _temp = null!;
    string _int8 = null!;
    CacophonyModel _model = null!;

    [OneTimeSetUp]
    public void Quantize()
    {
        _temp = new TempDirectory();
        string float32 = TinyModel.Convert(_temp);
        _int8 = _temp.File("int8");
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = float32, OutputDirectory = _int8, WeightsDType = DType.Int8, NoTokenizer = true });
        _model = CacophonyModel.Load(_int8);
    }

    [OneTimeTearDown]
    public void Dispose()
    {
        _model?.Dispose();
        _temp?.Dispose();
    }

    static AudioPatches GoldenPatches(string caseName) => new(
        Golden.Floats(caseName, "patches"), Golden.Ints(caseName, "time_inds"), Golden.Ints(caseName, "freq_inds"),
        Golden.Ints(caseName, "mask"), Golden.Ints(caseName, "mask").Sum());

    [Test]
    public void AnInt8DirectoryRunsAsInt8ByDefault()
    {
        Assert.That(_model.Device, Does.Contain("int8 weights"));
        using var widened = CacophonyModel.Load(_int8, new ModelOptions { Precision = WeightPrecision.Float32 });
        Assert.That(widened.Device, Does.Not.Contain("int8"));
    }

    [TestCaseSource(typeof(Golden), nameof(Golden.AudioCases))]
    public void AudioEmbeddingsFollowTheReference(string caseName)
    {
        var embedding = _model.EncodeAudio(GoldenPatches(caseName)).Normalized;
        double cosine = Embedding.Cosine(embedding, Golden.Floats(caseName, "audio_embedding"));
        TestContext.Out.WriteLine($"{caseName}: cosine to the float64 reference {cosine:F6}");
        Assert.That(cosine, Is.GreaterThan(0.999));
    }

    [TestCase("text_main")]
    [TestCase("text_long_maxlen77")]
    public void TextEmbeddingsFollowTheReference(string caseName)
    {
        var ids = Golden.Load(caseName, "token_ids");
        var mask = Golden.Ints(caseName, "text_mask");
        var golden = Golden.Floats(caseName, "text_embedding");
        int n = ids.Shape[0], maxLength = ids.Shape[1], projection = _model.Config.ProjectionSize;
        for (int i = 0; i < n; i++)
        {
            int length = mask.AsSpan(i * maxLength, maxLength).ToArray().Sum();
            var embedding = _model.EncodeTokens(ids.Int32!.AsSpan(i * maxLength, length).ToArray()).Normalized;
            double cosine = Embedding.Cosine(embedding, golden.AsSpan(i * projection, projection).ToArray());
            TestContext.Out.WriteLine($"{caseName}[{i}] ({length} tokens): cosine to the float64 reference {cosine:F6}");
            Assert.That(cosine, Is.GreaterThan(0.999), $"{caseName}[{i}]");
        }
    }

    /// <summary>int8's error on the decoder's logits, teacher-forced on the reference's prefixes.</summary>
    double LogitError(out double spread)
    {
        double error = 0;
        spread = 0;
        foreach (var (caseName, prefix) in new[] { ("audio_front_center", "A"), ("audio_front_center", "B"), ("audio_long_16k_seq40", "A") })
        {
            var audio = _model.EncodeAudio(GoldenPatches(caseName));
            var logits = _model.Decoder.TeacherForced(_model.Decoder.Remember(audio.Hidden, audio.Patches), Golden.Ints(caseName, $"decoder_prefix_{prefix}"));
            var golden = Golden.Floats(caseName, $"decoder_tf_logits_{prefix}");
            for (int i = 0; i < golden.Length; i++) error = Math.Max(error, Math.Abs(logits[i] - golden[i]));
            spread = Math.Max(spread, golden.Max() - golden.Min());
        }
        return error;
    }

    [Test]
    public void DecoderLogitsFollowTheReference()
    {
        double error = LogitError(out double spread);
        TestContext.Out.WriteLine($"int8 decoder logits: largest error {error:G3} over a spread of {spread:G3}");
        Assert.That(error, Is.LessThan(0.02 * spread));
    }

    /// <summary>
    /// The tiny model's random weights give nearly flat logits (top-two margins of 0.002-0.5), so a greedy caption
    /// may take another token; it may do so only at a step whose reference margin is within int8's logit error.
    /// </summary>
    [TestCaseSource(typeof(Golden), nameof(Golden.AudioCases))]
    public void GreedyCaptionsLeaveTheReferenceOnlyWhereItsTopTwoAreWithinTheError(string caseName)
    {
        double error = LogitError(out _);
        var expected = Golden.Ints(caseName, "greedy_tokens");
        var margins = Golden.Floats(caseName, "greedy_top2_margin");
        var audio = _model.EncodeAudio(GoldenPatches(caseName));
        var caption = CaptionSearch.Run(_model.Decoder, [_model.Decoder.Remember(audio.Hidden, audio.Patches)], new DecodingOptions { MaxTokens = expected.Length - 1 })[0];
        int end = Array.IndexOf(expected, CaptionSearch.Eos, 1);
        var reference = expected[1..((end < 0 ? expected.Length - 1 : end) + 1)];
        int agree = 0;
        while (agree < Math.Min(reference.Length, caption.Tokens.Length) && caption.Tokens[agree] == reference[agree]) agree++;
        TestContext.Out.WriteLine($"{caseName}: {agree} of {reference.Length} tokens agree; margins {string.Join(' ', margins.Take(reference.Length).Select(m => m.ToString("G3")))}; logit error {error:G3}");
        if (agree < reference.Length) Assert.That(margins[agree], Is.LessThan(2 * error), $"{caseName}: step {agree} differs with a reference margin of {margins[agree]}");
    }
}
