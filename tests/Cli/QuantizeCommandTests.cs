using Cacophony.Model;
using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>
/// `cacophony quantize` as a user runs it: the int8 directory it writes, what `info` says of it, the commands
/// running it as int8 by default (the same rows as the library), and one-line errors for what it cannot take.
/// </summary>
public class QuantizeCommandTests : TinyModelCliFixture
{
    protected override bool RequiresTokenizer => false;

    [Test]
    public void QuantizeThenInfoThenEmbed()
    {
        string int8 = Temp.File("int8");
        var quantize = ToolRunner.Run("cacophony", "quantize", ModelDirectory, int8);
        Assert.That(quantize.ExitCode, Is.Zero, quantize.Stderr);
        Assert.That(quantize.Stderr, Does.Contain("to int8 per channel"));

        var info = ToolRunner.Run("cacophony", "info", int8);
        Assert.That(info.ExitCode, Is.Zero, info.Stderr);
        Assert.That(info.Stdout, Does.Match(@"weights: +int8 \(51 dense layers per output channel, word embedding per row; .*\), 2\.\d MB in model\.safetensors"));
        Assert.That(ToolRunner.Run("cacophony", "info", ModelDirectory).Stdout, Does.Match(@"weights: +f32, 6\.\d MB"));

        string clip = TestData.Tiny("wavs/speech_espeak.wav"), rows = Temp.File("rows.npy");
        var embed = ToolRunner.Run("cacophony", "embed-audio", "--model", int8, "--device", "cpu", clip, "--out", rows);
        Assert.That(embed.ExitCode, Is.Zero, embed.Stderr);
        Assert.That(embed.Stderr, Does.Contain("int8 weights"));
        using var model = CacophonyModel.Load(int8);
        Assert.That(NpyFile.Read(rows).Float32, Is.EqualTo(model.EmbedAudio(clip)));

        var widened = ToolRunner.Run("cacophony", "embed-audio", "--model", int8, "--device", "cpu", "--precision", "fp32", clip, "--out", rows);
        Assert.That(widened.ExitCode, Is.Zero, widened.Stderr);
        Assert.That(widened.Stderr, Does.Not.Contain("int8"));
    }

    [Test]
    public void WhatQuantizeCannotTakeIsOneLine()
    {
        foreach (var (args, mention) in new[]
        {
            (new[] { "quantize", TestData.FlaxCheckpoint, Temp.File("a") }, "not a model directory"),
            (new[] { "quantize", Temp.File("absent"), Temp.File("b") }, "not a model directory"),
            (new[] { "quantize", ModelDirectory, ModelDirectory, "--force" }, "is the model directory being read"),
        })
        {
            var result = ToolRunner.Run("cacophony", args);
            Assert.That(result.ExitCode, Is.EqualTo(2), string.Join(' ', args));
            Assert.That(result.Stderr.Trim(), Does.StartWith("error: ").And.Contain(mention).And.Not.Contain("\n"), string.Join(' ', args));
        }
    }
}
