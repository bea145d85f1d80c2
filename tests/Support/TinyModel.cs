using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;

namespace Cacophony.Tests.Support;

/// <summary>The golden tiny checkpoint converted into a model directory, the way the tests need it.</summary>
public static class TinyModel
{
    /// <summary>Converted in process, without tokenizer files (tensors only).</summary>
    public static string Convert(TempDirectory temp)
    {
        string directory = temp.File("model");
        CheckpointConverter.Convert(new ConvertOptions
        {
            Checkpoint = TestData.FlaxCheckpoint,
            OutputDirectory = directory,
            NoTokenizer = true,
            Overrides = new ConfigOverrides { TextHeads = 4, DecoderHeads = 4 },
        });
        return directory;
    }

    /// <summary>Converted by `cacophony convert` as a user would, with the tokenizer files when given.</summary>
    public static string ConvertWithCli(TempDirectory temp, string? tokenizer)
    {
        string directory = temp.File("model");
        var args = new List<string> { "convert", TestData.FlaxCheckpoint, directory, "--text-heads", "4", "--decoder-heads", "4", "--quiet" };
        args.AddRange(tokenizer is null ? ["--no-tokenizer"] : ["--tokenizer", tokenizer]);
        var result = ToolRunner.Run("cacophony", [.. args]);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        return directory;
    }
}
