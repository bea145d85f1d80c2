using System.Globalization;
using System.Text.Json;
using Cacophony.Audio;
using Cacophony.Eval.Datasets;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>
/// `--protocol original|corrected` on mini datasets built to show each difference: mixed sample rates, a caption
/// shared by two clips, the caption length, a clip under one patch. The truth is the public API clip by clip
/// with the protocol's rule applied by hand here, and the metric computed naively.
/// </summary>
public class ProtocolTests : TinyModelCliFixture
{
    /// <summary>Clotho with clip 1 at 16 kHz and clips 2-3 at 44.1 kHz; "A dog is barking." describes clips 1 and 3.</summary>
    static string MixedClotho(string root, int? onlyRate = null)
    {
        string[][] captions =
        [
            ["A dog is barking.", "A dog barks twice.", "Barking nearby.", "Someone's dog.", "A dog, loud."],
            ["Rain falls on a roof.", "Heavy rain.", "Rain, steady.", "Water drops on metal.", "It is raining."],
            ["Birds chirp.", "A dog is barking.", "Chirping birds.", "Many birds sing.", "A bird calls."],
        ];
        int[] rates = [16000, 44100, 44100];
        var lines = new List<string> { "file_name,caption_1,caption_2,caption_3,caption_4,caption_5" };
        for (int c = 0; c < captions.Length; c++)
        {
            MiniDatasets.Tone(Path.Combine(root, "evaluation", $"clip{c + 1}.wav"), 300 + 500 * c, seconds: 2, rate: onlyRate ?? rates[c], seed: c);
            lines.Add(Csv.Line([$"clip{c + 1}.wav", .. captions[c]]));
        }
        File.WriteAllLines(Path.Combine(root, "clotho_captions_evaluation.csv"), lines);
        return root;
    }

    static JsonElement Results(string directory) => JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "results.json"))).RootElement;

    [TestCase("original")]
    [TestCase("corrected")]
    public void RetrievalFollowsTheProtocolsSampleRateAndCaptionMapping(string protocol)
    {
        string root = MixedClotho(Temp.File($"clotho-{protocol}")), output = Temp.File($"retrieval-{protocol}");
        var run = ToolRunner.Run("cacophony", "retrieval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", output, "--protocol", protocol);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);
        bool original = protocol == "original";

        // Audio: the original's load_audio takes every Clotho file as 16 kHz (its configured rate), whatever its header says.
        var set = Clotho.Read(root);
        using var model = CacophonyModel.Load(ModelDirectory);
        var audio = set.Clips.Select(c =>
        {
            var decoded = AudioDecoder.Read(c.Path);
            if (original) decoded = decoded with { SampleRate = 16000 };
            return model.EncodeAudio([decoded], SequencePolicy.RetrievalAndCaptioning)[0].Normalized;
        }).ToArray();
        var logged = Csv.ReadFile(Path.Combine(output, "audio_embeddings.csv")).Skip(1).ToDictionary(r => r[0], r => r[1].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray());
        for (int j = 0; j < audio.Length; j++) Assert.That(logged[set.Clips[j].Id], Is.EqualTo(audio[j]).Within(1e-6), set.Clips[j].Id);

        // Text to audio, naively: rank of the correct clip per caption, under both mappings.
        var captions = set.Clips.SelectMany((c, i) => c.Captions.Select(t => (Text: t, Clip: i))).ToArray();
        var text = model.EmbedText(captions.Select(c => c.Text), 100);
        var lastClip = captions.GroupBy(c => c.Text).ToDictionary(g => g.Key, g => g.Last().Clip);
        int RankOf(int caption, int clip) => 1 + Enumerable.Range(0, audio.Length).Count(j => j != clip && Embedding.Cosine(text[caption], audio[j]) > Embedding.Cosine(text[caption], audio[clip]));
        double R1(Func<int, int> correct) => Enumerable.Range(0, captions.Length).Average(i => RankOf(i, correct(i)) == 1 ? 1.0 : 0);
        double Map(Func<int, int> correct) => Enumerable.Range(0, captions.Length).Average(i => 1.0 / RankOf(i, correct(i)));
        double byString = R1(i => lastClip[captions[i].Text]), byClip = R1(i => captions[i].Clip);

        var results = Results(output);
        double Estimate(string direction, string metric) => results.GetProperty(direction).GetProperty(metric).GetProperty("estimate").GetDouble();
        Assert.That(Estimate("text_to_audio_by_caption_string", "r1"), Is.EqualTo(byString).Within(1e-12));
        Assert.That(Estimate("text_to_audio_by_own_clip", "r1"), Is.EqualTo(byClip).Within(1e-12));
        Assert.That(Estimate("text_to_audio_by_caption_string", "map10"), Is.EqualTo(Map(i => lastClip[captions[i].Text])).Within(1e-12));
        Assert.That(Estimate("text_to_audio", "r1"), Is.EqualTo(original ? byString : byClip).Within(1e-12), "the headline follows the protocol");
        Assert.That(results.GetProperty("protocol").GetProperty("name").GetString(), Is.EqualTo(protocol));
        Assert.That(results.GetProperty("protocol").GetProperty("clips_read_at_another_rate").GetInt32(), Is.EqualTo(original ? 2 : 0));
        if (original) Assert.That(run.Stdout, Does.Contain("2 clips are not at 16000 Hz but were read as 16000 Hz"));
    }

    [TestCase("original", 99)]
    [TestCase("corrected", 100)]
    public void CaptionEvalDecodesTheProtocolsCaptionLength(string protocol, int maxTokens)
    {
        string root = MixedClotho(Temp.File($"clotho-caption-{protocol}"), onlyRate: 16000), output = Temp.File($"caption-{protocol}");
        var run = ToolRunner.Run("cacophony", "caption-eval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", output, "--protocol", protocol, "--limit", "1");
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        var results = Results(output);
        Assert.That(results.GetProperty("decoding").GetProperty("MaxTokens").GetInt32(), Is.EqualTo(maxTokens));
        var tokens = Csv.ReadFile(Path.Combine(output, "captions.csv"))[1][2].Split(' ').Select(int.Parse).ToArray();
        using var model = CacophonyModel.Load(ModelDirectory);
        var expected = model.Caption(Clotho.Read(root).Clips[0].Path, new DecodingOptions { MaxTokens = maxTokens }).Tokens.Tokens;
        Assert.That(tokens, Is.EqualTo(expected));
        Assert.That(tokens.Length, Is.LessThanOrEqualTo(maxTokens));
    }

    [Test]
    public void TheCaptionCommandStopsAfter99TokensAsTheOriginal()
    {
        var result = ToolRunner.Run("cacophony", "caption", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--json");
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var tokens = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        // <s> and at most 99 tokens (the original's loop runs while index < 100 - 1), beginning with the golden greedy tokens.
        var golden = Golden.Ints("audio_noise", "greedy_tokens")[1..];
        Assert.That(tokens.Length == 99 || (tokens.Length < 99 && tokens[^1] == 2), $"{tokens.Length} tokens");
        Assert.That(tokens.Take(golden.Length), Is.EqualTo(golden.TakeWhile((t, i) => i == 0 || golden[i - 1] != 2).Take(tokens.Length)));
    }

    [Test]
    public void ZeroShotEvaluatesAClipUnderOnePatch()
    {
        string root = MiniDatasets.Esc50(Temp.File("esc50-short"));
        MiniDatasets.Tone(Path.Combine(root, "audio", "2-101-A-1.wav"), 700, seconds: 0.1, rate: 44100);
        string output = Temp.File("zs-short");
        var run = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", output);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        var results = Results(output);
        Assert.That(results.GetProperty("clips_evaluated").GetInt32(), Is.EqualTo(6));
        Assert.That(results.GetProperty("protocol").GetProperty("clips_shorter_than_one_patch").GetInt32(), Is.EqualTo(1));

        using var model = CacophonyModel.Load(ModelDirectory);
        var set = Esc50.Read(root);
        var classes = set.Clips.Select(c => c.Label).Distinct().ToList();
        var shortClip = set.Clips.Single(c => c.Id == "2-101-A-1.wav");
        var expected = model.ZeroShot(model.EmbedAudio(shortClip.Path), classes, "This is a sound of ")[0].Label;
        var row = Csv.ReadFile(Path.Combine(output, "predictions.csv")).Single(r => r[0] == shortClip.Id);
        Assert.That(row[2], Is.EqualTo(expected));
    }
}
