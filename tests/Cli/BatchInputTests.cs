using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Eval;
using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>
/// What a batch command does with inputs that are not what it expects: a clip under one patch, an unreadable
/// file, a file that is text, a typo'd option, a symlinked model file. The truth for embeddings is the public
/// API in process (itself held to the float64 reference by ShortClipTests and the golden tests).
/// </summary>
public class BatchInputTests : TinyModelCliFixture
{
    protected override bool RequiresTokenizer => false;

    static string[] ErrorLines(ToolRunner.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToArray();

    [Test]
    public void EmbedAudioSkipsUnreadableFilesEmbedsAShortClipAndNamesEachRowsFile()
    {
        string noise = TestData.Tiny("wavs/noise.wav"), speech = TestData.Tiny("wavs/speech_espeak.wav");
        string shortClip = Temp.File("short.wav"), text = Temp.File("notes.wav"), missing = Temp.File("missing.wav");
        MiniDatasets.Tone(shortClip, 440, seconds: 0.1);
        File.WriteAllText(text, "these are my notes, not a recording\n");
        string output = Temp.File("rows.npy");

        var result = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, noise, text, shortClip, missing, speech, "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(2), "exit 2 when a file was skipped");
        Assert.That(result.Stderr, Does.Not.Contain("   at "));
        var errors = ErrorLines(result);
        Assert.That(errors, Has.Length.EqualTo(2));
        Assert.That(errors[0], Is.EqualTo($"error: {text}: is not audio: its content is text"), "no advice to install ffmpeg for a text file");
        Assert.That(errors[1], Does.Contain(missing));
        Assert.That(result.Stderr.Split('\n').Count(l => l.StartsWith("note:") && l.Contains("shorter than one patch")), Is.EqualTo(1), "said once");

        var rows = NpyFile.Read(output);
        Assert.That(rows.Shape, Is.EqualTo(new[] { 3, 32 }));
        Assert.That(File.ReadAllLines(Temp.File("rows.files.txt")), Is.EqualTo(new[] { noise, shortClip, speech }));
        using var model = CacophonyModel.Load(ModelDirectory);
        string[] expected = [noise, shortClip, speech];
        for (int i = 0; i < expected.Length; i++)
            Assert.That(rows.Float32.AsSpan(i * 32, 32).ToArray(), Is.EqualTo(model.EmbedAudio(expected[i])).Within(1e-6), expected[i]);
    }

    [Test]
    public void AnOutputOrDumpThatCannotBeWrittenIsRefusedBeforeTheModelLoads()
    {
        // A regular file where the output's folder would be: no folder can be made there, even by root.
        string blocker = Temp.File("blocker");
        File.WriteAllText(blocker, "a file, not a folder\n");
        string audioOut = Path.Combine(blocker, "rows.npy"), textOut = Path.Combine(blocker, "texts.npy");
        var audio = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--out", audioOut);
        var text = ToolRunner.Run("cacophony", "embed-text", "--model", ModelDirectory, "a dog barks", "--out", textOut);
        foreach (var (result, output) in new[] { (audio, audioOut), (text, textOut) })
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Stdout, Is.Empty);
            // One line and no "device:" line before it: refused before the model was loaded.
            Assert.That(result.Stderr.Trim(), Does.StartWith($"error: {output}: cannot be written (").And.Not.Contain("\n"));
        }

        string folder = Temp.File("a-folder");
        Directory.CreateDirectory(folder);
        var intoFolder = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--out", folder);
        Assert.That(intoFolder.ExitCode, Is.EqualTo(2));
        Assert.That(intoFolder.Stderr.Trim(), Is.EqualTo($"error: {folder}: is a folder; name the file to write"));
        Assert.That(Directory.GetFileSystemEntries(folder), Is.Empty, "the probe is gone");

        var dumpIntoFile = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--dump", blocker);
        Assert.That(dumpIntoFile.ExitCode, Is.EqualTo(2));
        Assert.That(dumpIntoFile.Stderr.Trim(), Is.EqualTo($"error: {blocker}: is a file; name a folder to write into"));
        var features = ToolRunner.Run("cacophony", "features", TestData.Tiny("wavs/noise.wav"), "--dump", blocker);
        Assert.That(features.ExitCode, Is.EqualTo(2));
        Assert.That(features.Stderr.Trim(), Is.EqualTo($"error: {blocker}: is a file; name a folder to write into"));
        var dumpUnder = ToolRunner.Run("cacophony", "embed-text", "--model", ModelDirectory, "a dog barks", "--dump", Path.Combine(blocker, "dumps"));
        Assert.That(dumpUnder.ExitCode, Is.EqualTo(2));
        Assert.That(dumpUnder.Stderr.Trim(), Does.StartWith($"error: {Path.Combine(blocker, "dumps")}: cannot be written (").And.Not.Contain("\n"));
    }

    [Test]
    public void ACommandLineThatDoesNotParseIsOneLineAProblemAndExitCodeTwo()
    {
        string clip = TestData.Tiny("wavs/noise.wav");
        var cases = new (string[] Args, string[] Lines)[]
        {
            (["embed-audio", clip], ["error: Option '--model' is required (`cacophony embed-audio --help` lists the options)"]),
            (["embed-audio", "--model", ModelDirectory, "--precision", "bf16", clip],
                ["error: Argument 'bf16' not recognized. Must be one of: 'fp32' 'int8' (`cacophony embed-audio --help` lists the options)"]),
            (["index", "bild"], ["error: Unrecognized command or argument 'bild' (`cacophony index --help` lists the commands; did you mean 'build'?)"]),
            (["index"], ["error: Required command was not provided (`cacophony index --help` lists the commands)"]),
            (["index", "build", "--model", ModelDirectory, clip],
                ["error: Option '--out' is required (`cacophony index build --help` lists the options)"]),
        };
        foreach (var (args, lines) in cases)
        {
            var result = ToolRunner.Run("cacophony", args);
            string what = string.Join(' ', args.Select(Path.GetFileName));
            Assert.That(result.ExitCode, Is.EqualTo(2), what);
            Assert.That(result.Stdout, Is.Empty, $"{what}: no help on stdout, where a pipe expects results");
            Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(lines), what);
        }

        // Asked for, the help is still there, on stdout.
        var help = ToolRunner.Run("cacophony", "embed-audio", "--help");
        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(help.Stdout, Does.Contain("--precision <fp32|int8>"));
    }

    [Test]
    public void AnUnknownOptionIsAnErrorBeforeAnyWork()
    {
        string output = Temp.File("typo.npy");
        var result = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, "--outt", output, TestData.Tiny("wavs/noise.wav"));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stdout, Is.Empty, "nothing embedded");
        Assert.That(result.Stderr.Trim(), Does.StartWith("error: unknown option '--outt'").And.Not.Contain("\n"));
        Assert.That(File.Exists(output), Is.False);

        // After `--` a name that starts with '-' is a file.
        string dashed = Temp.File("-dashed.wav");
        File.Copy(TestData.Tiny("wavs/noise.wav"), dashed);
        var literal = ToolRunner.Run("cacophony", "embed-audio", "--model", ModelDirectory, "--out", Temp.File("dashed.npy"), "--", dashed);
        Assert.That(literal.ExitCode, Is.Zero, literal.Stderr);
        Assert.That(NpyFile.Read(Temp.File("dashed.npy")).Shape, Is.EqualTo(new[] { 1, 32 }));
    }

    [Test]
    public void ASymlinkedModelFileIsReadThroughItsLink()
    {
        string linked = Temp.File("linked-model");
        Directory.CreateDirectory(linked);
        foreach (var file in Directory.GetFiles(ModelDirectory))
            File.CreateSymbolicLink(Path.Combine(linked, Path.GetFileName(file)), file);
        string clip = Temp.File("linked-clip.wav");
        File.CreateSymbolicLink(clip, TestData.Tiny("wavs/noise.wav"));

        var info = ToolRunner.Run("cacophony", "info", linked);
        Assert.That(info.ExitCode, Is.Zero, info.Stderr);
        var result = ToolRunner.Run("cacophony", "embed-audio", "--model", linked, clip, "--out", Temp.File("linked.npy"));
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var (error, _) = Golden.Report("embed-audio through symlinks", NpyFile.Read(Temp.File("linked.npy")).Float32, Golden.Floats("audio_noise", "audio_embedding"));
        Assert.That(error, Is.LessThan(1e-6));
    }

    [Test]
    public void ProgressIsShownWhenAskedForEvenOffATerminal()
    {
        string[] clips = [TestData.Tiny("wavs/noise.wav"), TestData.Tiny("wavs/clip_16k.wav")];
        var quiet = ToolRunner.Run("cacophony", ["embed-audio", "--model", ModelDirectory, .. clips, "--out", Temp.File("quiet.npy")]);
        Assert.That(quiet.Stderr, Does.Not.Contain("clips/s"), "stderr is a pipe here: no progress unless asked");
        var shown = ToolRunner.Run("cacophony", ["embed-audio", "--model", ModelDirectory, .. clips, "--out", Temp.File("shown.npy"), "--progress"]);
        Assert.That(shown.ExitCode, Is.Zero, shown.Stderr);
        Assert.That(shown.Stderr, Does.Contain("2/2 clips"));
    }

    [Test]
    public void InfoHelpNamesTheConvertCommand()
    {
        var help = ToolRunner.Run("cacophony", "info", "--help");
        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(help.Stdout, Does.Contain("cacophony convert"));
    }
}

/// <summary>Messages for files that are not what their names say, and for tokenizer files that are not where they were looked for.</summary>
public class NotWhatItSaysTests
{
    [Test]
    public void FfmpegIsSuggestedOnlyForContainersItReads()
    {
        using var temp = new TempDirectory();
        string flac = temp.File("song.flac"), text = temp.File("readme.wav"), binary = temp.File("blob.wav");
        File.WriteAllBytes(flac, [.. "fLaC"u8, 0, 0, 0, 34, .. new byte[40]]);
        File.WriteAllText(text, "# not audio\njust text\n");
        File.WriteAllBytes(binary, [0x00, 0x13, 0x37, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04]);
        var noFfmpeg = new Dictionary<string, string> { ["CACOPHONY_FFMPEG"] = temp.File("no-ffmpeg-here") };
        var result = ToolRunner.RunWith(noFfmpeg, "cacophony", "features", flac, text, binary, "--dump", temp.File("dump"));
        TestContext.Out.WriteLine(result.Stderr);
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToArray();
        Assert.That(errors.Single(l => l.Contains(flac)), Does.Contain("FLAC").And.Contain("ffmpeg"));
        Assert.That(errors.Single(l => l.Contains(text)), Is.EqualTo($"error: {text}: is not audio: its content is text"));
        Assert.That(errors.Single(l => l.Contains(binary)), Does.Contain("is not audio").And.Not.Contain("ffmpeg"));
    }

    [Test]
    public void ConvertWithoutTokenizerFilesNamesWhereItLooked()
    {
        using var temp = new TempDirectory();
        string cache = temp.File("hf");
        var result = ToolRunner.RunWith(new Dictionary<string, string> { ["HF_HOME"] = cache }, "cacophony",
            "convert", TestData.FlaxCheckpoint, temp.File("model"), "--text-heads", "4", "--decoder-heads", "4", "--quiet");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        string line = result.Stderr.Trim();
        Assert.That(line, Does.Contain(Path.Combine(cache, "hub", "models--roberta-base", "snapshots")), "the directory searched");
        Assert.That(line, Does.Not.Contain(TestData.FlaxCheckpoint), "the checkpoint is not what is missing");
        Assert.That(line, Does.Contain("--tokenizer DIR").And.Not.Contain("\n"));

        string empty = temp.File("empty-tokenizer");
        Directory.CreateDirectory(empty);
        var given = ToolRunner.Run("cacophony", "convert", TestData.FlaxCheckpoint, temp.File("model2"), "--text-heads", "4", "--decoder-heads", "4", "--tokenizer", empty, "--quiet");
        Assert.That(given.ExitCode, Is.EqualTo(2));
        Assert.That(given.Stderr, Does.Contain($"not found in {empty} (from --tokenizer)"));
    }
}

/// <summary>An AudioMAE model directory (audio encoder only) through embed-audio: its embedding is the mean of the hidden states.</summary>
public class AudioMaeCommandTests
{
    [Test]
    public void EmbedAudioWritesTheMeanOfTheHiddenStates()
    {
        using var temp = new TempDirectory();
        var convert = ToolRunner.Run("cacophony", "convert", TestData.AudioMaeCheckpoint, temp.File("mae"), "--quiet");
        Assert.That(convert.ExitCode, Is.Zero, convert.Stderr);
        string wav = TestData.Tiny("wavs/noise.wav");
        var result = ToolRunner.Run("cacophony", "embed-audio", "--model", temp.File("mae"), wav, "--out", temp.File("mae.npy"));
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        var rows = NpyFile.Read(temp.File("mae.npy"));
        using var model = CacophonyModel.Load(temp.File("mae"));
        var encoded = model.EncodeAudio([AudioDecoder.Read(wav)], SequencePolicy.ZeroShot)[0];
        int width = model.Config.Audio.HiddenSize;
        Assert.That(rows.Shape, Is.EqualTo(new[] { 1, width }));
        var mean = Enumerable.Range(0, width).Select(j => (float)Enumerable.Range(0, encoded.Patches).Average(r => (double)encoded.Hidden[r * width + j])).ToArray();
        Assert.That(rows.Float32, Is.EqualTo(mean).Within(1e-5));
    }
}
