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
    string _float32 = null!, _int8 = null!;
    CacophonyModel _model = null!;

    [OneTimeSetUp]
    public void Quantize()
    {
        _temp = new TempDirectory();
        _float32 = TinyModel.Convert(_temp);
        _int8 = _temp.File("int8");
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = _float32, OutputDirectory = _int8, WeightsDType = DType.Int8, NoTokenizer = true });
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

    /// <summary>
    /// The float directory run as int8 (quantized as it loads) against the directory `quantize` wrote: the same
    /// embeddings and logits to the bit, the tensors stored int8 but used in float32 (the pools' key and value,
    /// the word table) included.
    /// </summary>
    [Test]
    public void QuantizingAsItLoadsComputesWhatTheQuantizedDirectoryComputes()
    {
        using var atLoad = CacophonyModel.Load(_float32, new ModelOptions { Precision = WeightPrecision.Int8 });
        Assert.That(atLoad.Device, Does.Contain("int8 weights"));
        foreach (string caseName in Golden.AudioCases)
        {
            var patches = GoldenPatches(caseName);
            var (quantized, loaded) = (_model.EncodeAudio(patches), atLoad.EncodeAudio(patches));
            Assert.That(loaded.Normalized, Is.EqualTo(quantized.Normalized), $"{caseName}: audio embedding");
            Assert.That(atLoad.Decoder.TeacherForced(atLoad.Decoder.Remember(loaded.Hidden, loaded.Patches), [0, 713, 16, 10]),
                Is.EqualTo(_model.Decoder.TeacherForced(_model.Decoder.Remember(quantized.Hidden, quantized.Patches), [0, 713, 16, 10])), $"{caseName}: decoder logits");
        }
        int[] tokens = [0, 713, 16, 10, 2369, 9, 2335, 2];
        Assert.That(atLoad.EncodeTokens(tokens).Normalized, Is.EqualTo(_model.EncodeTokens(tokens).Normalized), "text embedding");
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
