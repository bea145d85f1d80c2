using System.Text.Json;
using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>embed-audio, embed-text, similarity and tokenize as a user runs them, against the golden tiny model's outputs.</summary>
public class EmbedCommandTests : TinyModelCliFixture
{
    // The audio tests run without tokenizer files; the text tests ignore themselves then.
    protected override bool RequiresTokenizer => false;

    [Test]
    public void EmbedAudioWritesTheGoldenEmbeddingsAndDumps()
    {
        string[] cases = ["audio_front_center", "audio_noise", "audio_stereo_44k1_24bit", "audio_speech_espeak", "audio_clip_16k"];
        var wavs = cases.Select(c => TestData.Tiny($"wavs/{c["audio_".Length..]}.wav")).ToArray();
        var result = ToolRunner.Run("cacophony", ["embed-audio", "--model", ModelDirectory, .. wavs, "--out", Temp.File("audio.npy"), "--dump", Temp.File("audio-dump")]);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);

        var embeddings = NpyFile.Read(Temp.File("audio.npy"));
        Assert.That(embeddings.Shape, Is.EqualTo(new[] { cases.Length, 32 }));
        for (int i = 0; i < cases.Length; i++)
        {
            var (error, _) = Golden.Report($"embed-audio --out row {i} ({cases[i]})", embeddings.Float32.AsSpan(i * 32, 32), Golden.Floats(cases[i], "audio_embedding"));
            Assert.That(error, Is.LessThan(1e-6));
        }
        var hidden = NpyFile.Read(Path.Combine(Temp.File("audio-dump"), "front_center", "hidden.npy"));
        Assert.That(hidden.Shape, Is.EqualTo(new[] { 64, 40 }), "real patches only");
        Assert.That(Golden.Report("--dump front_center/hidden", hidden.Float32, Golden.Floats("audio_front_center", "audio_hidden").AsSpan(0, 64 * 40)).MaxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void EmbedTextTokenizeAndSimilarityAgreeWithTheReference()
    {
        TestData.TokenizerDirectoryOrIgnore();
        using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Tiny("manifest.json")));
        var texts = manifest.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == "text_main")
            .GetProperty("inputs").GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        File.WriteAllLines(Temp.File("texts.jsonl"), texts.Select(t => JsonSerializer.Serialize(t)));

        var embed = ToolRunner.Run("cacophony", "embed-text", "--model", ModelDirectory, "--texts", Temp.File("texts.jsonl"), "--out", Temp.File("text.npy"), "--dump", Temp.File("text-dump"));
        Assert.That(embed.ExitCode, Is.Zero, embed.Stderr);
        var embeddings = NpyFile.Read(Temp.File("text.npy"));
        Assert.That(Golden.Report("embed-text --out", embeddings.Float32, Golden.Floats("text_main", "text_embedding")).MaxAbs, Is.LessThan(1e-6));
        Assert.That(NpyFile.Read(Path.Combine(Temp.File("text-dump"), "text_2", "token_ids.npy")).Int32, Is.EqualTo(new[] { 0, 31414, 232, 2 }));

        var tokenize = ToolRunner.Run("cacophony", "tokenize", "--model", ModelDirectory, "--texts", Temp.File("texts.jsonl"));
        Assert.That(tokenize.ExitCode, Is.Zero, tokenize.Stderr);
        var lines = tokenize.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var goldenIds = Golden.Ints("text_main", "token_ids");
        for (int i = 0; i < texts.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.That(line.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(goldenIds.AsSpan(i * 100, 100).ToArray()));
        }

        var similarity = ToolRunner.Run("cacophony", "similarity", "--model", ModelDirectory, "--audio", TestData.Tiny("wavs/noise.wav"), "--text", texts[0], texts[2], "--json");
        Assert.That(similarity.ExitCode, Is.Zero, similarity.Stderr);
        using var json = JsonDocument.Parse(similarity.Stdout);
        var logits = json.RootElement.GetProperty("logits")[0].EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        var golden = Golden.Floats("logits", "logits_audio_text");
        Assert.That(Golden.Report("similarity --json logits", logits, new[] { golden[1 * 13 + 0], golden[1 * 13 + 2] }).MaxAbs, Is.LessThan(2e-5));
    }

    [Test]
    public void MistakesAreOneLineAndExitCodeTwo()
    {
        foreach (var args in new[]
        {
            new[] { "embed-audio", "--model", Temp.File("missing"), TestData.Tiny("wavs/noise.wav") },
            new[] { "embed-audio", "--model", ModelDirectory, Temp.File("missing.wav") },
            new[] { "embed-text", "--model", ModelDirectory },
        })
        {
            var result = ToolRunner.Run("cacophony", args);
            TestContext.Out.WriteLine($"{string.Join(' ', args[..2])} ...: exit {result.ExitCode}: {result.Stderr.Trim()}");
            Assert.That(result.ExitCode, Is.EqualTo(2));
            // One error line (the only other line a run may print is which device it chose).
            var lines = result.Stderr.Trim().Split('\n').Where(l => !l.StartsWith("device: ")).ToArray();
            Assert.That(lines, Has.Length.EqualTo(1));
            Assert.That(lines[0], Does.StartWith("error: "));
            Assert.That(result.Stderr, Does.Not.Contain("   at "));
        }
    }

    /// <summary>
    /// `--device opencl` runs the encoders on the OpenCL device when there is one (PoCL in CI) and gives the
    /// golden embedding; without one it fails in one line. `--device cpu` names the CPU engine.
    /// </summary>
    [Test]
    public void DeviceOptionChoosesTheBackendAndSaysWhich()
    {
        string wav = TestData.Tiny("wavs/noise.wav");
        var cpu = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, wav, "--device", "cpu", "--out", Temp.File("cpu.npy"));
        Assert.That(cpu.ExitCode, Is.Zero, cpu.Stderr);
        Assert.That(cpu.Stderr, Does.Contain("device: CPU engine"));

        bool hasOpenCL = TestBackends.HasOpenCL(out var reason);
        var opencl = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, wav, "--device", "opencl", "--out", Temp.File("opencl.npy"));
        if (!hasOpenCL)
        {
            Assert.That(opencl.ExitCode, Is.EqualTo(2));
            Assert.That(opencl.Stderr.Trim(), Does.StartWith("error: --device opencl:").And.Not.Contain("\n"));
            Assert.Ignore($"no OpenCL device here ({reason}): checked the one-line refusal only");
        }
        Assert.That(opencl.ExitCode, Is.Zero, opencl.Stderr);
        Assert.That(opencl.Stderr, Does.Contain("device: OpenCL"));
        var (error, _) = Golden.Report("embed-audio --device opencl", NpyFile.Read(Temp.File("opencl.npy")).Float32, Golden.Floats("audio_noise", "audio_embedding"));
        Assert.That(error, Is.LessThan(1e-6));
    }
}
