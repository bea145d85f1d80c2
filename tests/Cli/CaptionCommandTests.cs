using System.Text.Json;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Cli;

/// <summary>`cacophony caption` as a user runs it, on the golden tiny model (needs the RoBERTa tokenizer files).</summary>
public class CaptionCommandTests : TinyModelCliFixture
{
    static readonly string[] Cases = ["audio_front_center", "audio_noise", "audio_stereo_44k1_24bit", "audio_speech_espeak", "audio_clip_16k"];

    static string[] Wavs => Cases.Select(c => TestData.Tiny($"wavs/{c["audio_".Length..]}.wav")).ToArray();

    [Test]
    public void GreedyJsonLinesCarryTheReferenceTokens()
    {
        var result = ToolRunner.Run("cacophony", ["caption", "--model", ModelDirectory, .. Wavs, "--max-tokens", "12", "--json", "--batch", "3"]);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(Cases.Length));
        for (int i = 0; i < Cases.Length; i++)
        {
            using var row = JsonDocument.Parse(lines[i]);
            Assert.That(row.RootElement.GetProperty("file").GetString(), Is.EqualTo(Wavs[i]));
            var tokens = row.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var expected = Golden.Ints(Cases[i], "greedy_tokens")[1..];
            int end = Array.IndexOf(expected, 2);
            Assert.That(tokens, Is.EqualTo(end < 0 ? expected : expected[..(end + 1)]), Cases[i]);
            Assert.That(row.RootElement.GetProperty("caption").GetString(), Is.Not.Null);
        }
    }

    [Test]
    public void CsvRowsAreQuotedAndAnUnreadableFileIsReportedWithoutLosingTheOthers()
    {
        string broken = Temp.File("broken, \"quoted\".wav");
        File.WriteAllBytes(broken, [1, 2, 3, 4]);
        var result = ToolRunner.Run("cacophony", ["caption", "--model", ModelDirectory, Wavs[0], broken, Wavs[1], "--max-tokens", "5"]);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToArray();
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0], Does.Contain(broken));
        Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("file,caption"));
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[1], Does.StartWith(Wavs[0] + ","));
        Assert.That(lines[2], Does.StartWith(Wavs[1] + ","));
    }

    [Test]
    public void SeededSamplingGivesTheSameCaptionsForAnyBatchSize()
    {
        string[] Sample(string batch)
        {
            var result = ToolRunner.Run("cacophony", ["caption", "--model", ModelDirectory, .. Wavs, "--decode", "sample", "--temperature", "2", "--seed", "11", "--max-tokens", "8", "--json", "--batch", batch]);
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        Assert.That(Sample("1"), Is.EqualTo(Sample("5")));
    }
}
