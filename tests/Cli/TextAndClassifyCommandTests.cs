using System.Text.Json;
using Cacophony.Model;
using Cacophony.Tests.Eval;
using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>embed-text with a bad input, classify, and caption with a short clip in its batch (need the RoBERTa tokenizer files).</summary>
public class TextAndClassifyCommandTests : TinyModelCliFixture
{
    [Test]
    public void EmbedTextSkipsALineThatIsNotAJsonStringAndNamesEachRowsSource()
    {
        string texts = Temp.File("texts.jsonl");
        File.WriteAllLines(texts, ["\"a dog barks\"", "{not json", "\"rain on a roof\""]);
        string output = Temp.File("text.npy");
        var result = ToolRunner.Run("cacophony", "embed-text", "--model", ModelDirectory, "--texts", texts, "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain($"error: {texts}:2: not a JSON string"));
        Assert.That(File.ReadAllLines(Temp.File("text.files.txt")), Is.EqualTo(new[] { $"{texts}:1", $"{texts}:3" }));
        var rows = NpyFile.Read(output);
        Assert.That(rows.Shape, Is.EqualTo(new[] { 2, 32 }));
        using var model = CacophonyModel.Load(ModelDirectory);
        Assert.That(rows.Float32.AsSpan(32, 32).ToArray(), Is.EqualTo(model.EmbedText("rain on a roof")).Within(1e-6));
    }

    [Test]
    public void ClassifyRanksLabelsByTheGoldenLogitsAndKeepsUtf8InJson()
    {
        // The golden logits of audio_noise against the reference texts; with an empty prompt the labels are those texts.
        using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Tiny("manifest.json")));
        var texts = manifest.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == "text_main")
            .GetProperty("inputs").GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        string labels = Temp.File("labels.txt");
        File.WriteAllLines(labels, [texts[0], texts[2]]);
        var golden = Golden.Floats("logits", "logits_audio_text");
        double[] expected = [golden[1 * 13 + 0], golden[1 * 13 + 2]];

        var result = ToolRunner.Run("cacophony", "classify", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--labels-file", labels, "--prompt", "", "--json");
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var ranked = json.RootElement.GetProperty("labels").EnumerateArray().ToList();
        Assert.That(ranked.Select(r => r.GetProperty("label").GetString()), Is.EqualTo(expected[0] >= expected[1] ? new[] { texts[0], texts[2] } : [texts[2], texts[0]]));
        var logits = ranked.ToDictionary(r => r.GetProperty("label").GetString()!, r => r.GetProperty("logit").GetDouble());
        Assert.That(logits[texts[0]], Is.EqualTo(expected[0]).Within(2e-5));
        Assert.That(logits[texts[2]], Is.EqualTo(expected[1]).Within(2e-5));
        Assert.That(ranked.Sum(r => r.GetProperty("probability").GetDouble()), Is.EqualTo(1).Within(1e-12));

        var utf8 = ToolRunner.Run("cacophony", "classify", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--labels", "café terrace,rain", "--json");
        Assert.That(utf8.ExitCode, Is.Zero, utf8.Stderr);
        Assert.That(utf8.Stdout, Does.Contain("\"café terrace\""), "non-ASCII kept as UTF-8, not \\u escapes");

        var table = ToolRunner.Run("cacophony", "classify", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--labels", "dog,rain,car horn", "--top", "2");
        Assert.That(table.ExitCode, Is.Zero, table.Stderr);
        Assert.That(table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3), "the file, then its top 2");
    }

    [Test]
    public void CaptionWritesEveryClipOfABatchHoldingAClipUnderOnePatch()
    {
        string shortClip = Temp.File("short.wav");
        MiniDatasets.Tone(shortClip, 440, seconds: 0.05);
        string[] clips = [TestData.Tiny("wavs/noise.wav"), shortClip, TestData.Tiny("wavs/clip_16k.wav")];
        var result = ToolRunner.Run("cacophony", ["caption", "--model", ModelDirectory, .. clips, "--max-tokens", "6", "--batch", "3", "--json"]);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(rows.Select(r => r.GetProperty("file").GetString()), Is.EqualTo(clips));
        using var model = CacophonyModel.Load(ModelDirectory);
        var options = new Cacophony.Model.Captioning.DecodingOptions { MaxTokens = 6 };
        for (int i = 0; i < clips.Length; i++)
            Assert.That(rows[i].GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()), Is.EqualTo(model.Caption(clips[i], options).Tokens.Tokens), clips[i]);
        Assert.That(result.Stderr, Does.Contain("shorter than one patch"));
    }
}
