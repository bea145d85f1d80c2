using System.Text.Json;
using Cacophony.Eval.Datasets;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>
/// `cacophony zeroshot` and `retrieval` end to end on mini datasets in official layouts with the tiny golden
/// model. The truth is the model's own public API used clip by clip (CacophonyModel.ZeroShot, EmbedAudio,
/// EmbedText) with the metric computed here naively: the runners' job is reading layouts, batching,
/// resuming and bookkeeping, and that is what these check.
/// </summary>
public class EvaluationCommandTests : TinyModelCliFixture
{
    [Test]
    public void ZeroShotOnEsc50MatchesPerClipRankingAndResumesWithoutDuplicates()
    {
        string root = MiniDatasets.Esc50(Temp.File("esc50"));
        string full = Temp.File("zs-full"), resumed = Temp.File("zs-resumed");
        var run = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", full, "--batch", "4");
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);

        // Truth: the public API, one clip at a time.
        var set = Esc50.Read(root);
        using var model = CacophonyModel.Load(ModelDirectory);
        var classes = set.Clips.Select(c => c.Label).Distinct().ToList();
        var expected = set.Clips.ToDictionary(c => c.Id, c => model.ZeroShot(model.EmbedAudio(c.Path), classes, "This is a sound of ")[0].Label);
        var predictions = Csv.ReadFile(Path.Combine(full, "predictions.csv"));
        Assert.That(predictions[0], Is.EqualTo(new[] { "file", "label", "predicted", "correct", "top5" }));
        Assert.That(predictions.Skip(1).ToDictionary(r => r[0], r => r[2]), Is.EqualTo(expected));
        double top1 = set.Clips.Count(c => expected[c.Id] == c.Label) / (double)set.Clips.Count;
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(full, "results.json")));
        Assert.That(results.RootElement.GetProperty("top1").GetDouble(), Is.EqualTo(top1).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("top5").GetDouble(), Is.EqualTo(1.0), "3 classes: the truth is always in the top 5");
        Assert.That(results.RootElement.GetProperty("clips_evaluated").GetInt32(), Is.EqualTo(6));
        Assert.That(File.ReadAllLines(Path.Combine(full, "confusion.csv")), Has.Length.EqualTo(4));
        Assert.That(File.ReadAllBytes(Path.Combine(full, "confusion.png"))[1..4], Is.EqualTo("PNG"u8.ToArray()));

        // An interrupted run (2 clips, then a torn row as a crash mid-write leaves) resumed to the end.
        var first = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", resumed, "--limit", "2", "--batch", "1");
        Assert.That(first.ExitCode, Is.Zero, first.Stderr);
        File.Move(Path.Combine(resumed, "predictions.csv"), Path.Combine(resumed, "predictions.partial.csv"));
        File.AppendAllText(Path.Combine(resumed, "predictions.partial.csv"), "3-999-A-9.wav,do");
        var rest = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", resumed, "--resume");
        Assert.That(rest.ExitCode, Is.Zero, rest.Stderr);
        var resumedRows = Csv.ReadFile(Path.Combine(resumed, "predictions.csv")).Skip(1).ToList();
        Assert.That(resumedRows.Select(r => r[0]), Is.EquivalentTo(set.Clips.Select(c => c.Id)), "every clip once, the torn row dropped");
        Assert.That(resumedRows.ToDictionary(r => r[0], r => r[2]), Is.EqualTo(expected));
    }

    /// <summary>
    /// On a GPU device (OpenCL: PoCL in CI) an evaluation batch keeps the decoded audio, so the log-mel runs on
    /// the device with the rest of the pass; its embeddings equal the CPU engine's and `zeroshot --device
    /// opencl` predicts exactly what the CPU run predicts.
    /// </summary>
    [Test]
    public void ZeroShotOnTheOpenClDeviceRunsTheFrontEndThereAndAgreesWithTheCpu()
    {
        if (!TestBackends.HasOpenCL(out var reason)) Assert.Ignore($"no OpenCL device here ({reason})");
        string root = MiniDatasets.Esc50(Temp.File("esc50-device"));
        var paths = Esc50.Read(root).Clips.Select(c => c.Path).ToList();
        using (var device = CacophonyModel.Load(ModelDirectory, new ModelOptions { Device = Cacophony.Kernels.DeviceKind.OpenCL }))
        using (var cpu = CacophonyModel.Load(ModelDirectory))
        {
            var (ready, failed) = Cacophony.Eval.ClipReader.Prepare(paths, Enumerable.Range(0, paths.Count), SequencePolicy.ZeroShot);
            Assert.That(failed, Is.Empty);
            var encoded = ready.Encode(device);
            for (int i = 0; i < paths.Count; i++)
            {
                var (error, _) = Golden.Report($"device front end + encoder, {Path.GetFileName(paths[i])}", encoded[i].Normalized, cpu.EmbedAudio(paths[i]));
                Assert.That(error, Is.LessThan(1e-5));
            }
        }
        string onCpu = Temp.File("zs-cpu"), onDevice = Temp.File("zs-opencl");
        var cpuRun = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", onCpu, "--batch", "4");
        var deviceRun = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", onDevice, "--batch", "4", "--device", "opencl");
        Assert.That(cpuRun.ExitCode, Is.Zero, cpuRun.Stderr);
        Assert.That(deviceRun.ExitCode, Is.Zero, deviceRun.Stderr);
        Assert.That(deviceRun.Stderr, Does.Contain("device: OpenCL"));
        static Dictionary<string, string> Predicted(string directory) => Csv.ReadFile(Path.Combine(directory, "predictions.csv")).Skip(1).ToDictionary(r => r[0], r => r[2]);
        Assert.That(Predicted(onDevice), Is.EqualTo(Predicted(onCpu)));
    }

    [Test]
    public void ZeroShotReportsAMissingMetadataFileInOneLine()
    {
        var run = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "us8k", "--root", Temp.File("nowhere"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Stderr.Trim(), Is.EqualTo($"error: {Path.Combine(Temp.File("nowhere"), "metadata", "UrbanSound8K.csv")}: not found"));
    }

    [Test]
    public void AnUnreadableClipIsCountedAndListedNotDropped()
    {
        string root = MiniDatasets.Esc50(Temp.File("esc50-broken"));
        File.WriteAllBytes(Path.Combine(root, "audio", "1-100-A-0.wav"), [0x52, 0x49, 0x46, 0x46, 1, 2]);
        string output = Temp.File("zs-broken");
        var run = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--out", output);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.That(results.RootElement.GetProperty("clips_evaluated").GetInt32(), Is.EqualTo(5));
        Assert.That(results.RootElement.GetProperty("clips_unreadable").GetInt32(), Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(output, "unreadable.csv")), Does.Contain("1-100-A-0.wav"));
    }

    [Test]
    public void RetrievalOnClothoMatchesANaiveRanking()
    {
        string root = MiniDatasets.Clotho(Temp.File("clotho"));
        string output = Temp.File("retrieval");
        var run = ToolRunner.Run("cacophony", "retrieval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", output, "--protocol", "corrected");
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);

        var set = Clotho.Read(root);
        Assert.That(set.Clips[0].Captions[1], Is.EqualTo("A dog, loud, barks."));
        using var model = CacophonyModel.Load(ModelDirectory);
        var audio = set.Clips.Select(c => model.EmbedAudio(c.Path, SequencePolicy.RetrievalAndCaptioning)).ToArray();
        var captions = set.Clips.SelectMany((c, i) => c.Captions.Select(t => (Text: t, Clip: i))).ToArray();
        var text = model.EmbedText(captions.Select(c => c.Text), 100);
        // Text to audio R@1 and audio to text R@1, naively.
        double t2a = captions.Select((c, i) => Enumerable.Range(0, audio.Length).MaxBy(j => Embedding.Cosine(text[i], audio[j])) == c.Clip ? 1.0 : 0).Average();
        double a2t = audio.Select((a, j) => captions[Enumerable.Range(0, captions.Length).MaxBy(i => Embedding.Cosine(text[i], a))].Clip == j ? 1.0 : 0).Average();
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.That(results.RootElement.GetProperty("captions").GetInt32(), Is.EqualTo(15));
        Assert.That(results.RootElement.GetProperty("text_to_audio").GetProperty("r1").GetProperty("estimate").GetDouble(), Is.EqualTo(t2a).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("audio_to_text").GetProperty("r1").GetProperty("estimate").GetDouble(), Is.EqualTo(a2t).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("text_to_audio").GetProperty("r10").GetProperty("estimate").GetDouble(), Is.EqualTo(1.0), "3 clips: always within 10");
    }

    [Test]
    public void CaptionEvalWritesEveryClipInDcaseFormatAndScoresThem()
    {
        string root = MiniDatasets.Clotho(Temp.File("clotho-captions"));
        string output = Temp.File("caption-eval");
        var run = ToolRunner.Run("cacophony", "caption-eval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", output, "--max-tokens", "12", "--batch", "2", "--protocol", "corrected");
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);

        var set = Clotho.Read(root);
        using var model = CacophonyModel.Load(ModelDirectory);
        var expected = set.Clips.Select(c => model.Caption(c.Path, new Cacophony.Model.Captioning.DecodingOptions { MaxTokens = 12 }).Text).ToArray();
        var predictions = Csv.ReadFile(Path.Combine(output, "predictions.csv"));
        Assert.That(predictions[0], Is.EqualTo(new[] { "file_name", "caption_predicted" }));
        Assert.That(predictions.Skip(1).Select(r => r[0]), Is.EqualTo(set.Clips.Select(c => c.Id)), "every clip, the first one included");
        Assert.That(predictions.Skip(1).Select(r => r[1]), Is.EqualTo(expected));
        var gt = Csv.ReadFile(Path.Combine(output, "gt.csv"));
        Assert.That(gt[0], Is.EqualTo(new[] { "file_name", "caption_reference_01", "caption_reference_02", "caption_reference_03", "caption_reference_04", "caption_reference_05" }));
        Assert.That(gt[1][2], Is.EqualTo("A dog, loud, barks."), "references keep their commas, quoted");

        var candidates = expected.Select(Cacophony.Eval.CaptionMetrics.PtbTokenizer.Tokenize).ToList();
        var references = set.Clips.Select(c => (IReadOnlyList<string[]>)c.Captions.Select(Cacophony.Eval.CaptionMetrics.PtbTokenizer.Tokenize).ToList()).ToList();
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var bleu = Cacophony.Eval.CaptionMetrics.Bleu.Corpus(candidates, references);
        Assert.That(results.RootElement.GetProperty("bleu_1").GetDouble(), Is.EqualTo(bleu[0]).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("cider_d").GetDouble(), Is.EqualTo(Cacophony.Eval.CaptionMetrics.CiderD.Scores(candidates, references).Average()).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("meteor").GetString(), Does.StartWith("skipped"));
    }

    [Test]
    public void CaptionEvalRunsTheJavaMetricsOnTheTokenizedCaptionsWhenGivenTheirJars()
    {
        string root = MiniDatasets.Clotho(Temp.File("clotho-java"));
        string output = Temp.File("caption-eval-java");
        string meteorJar = StandInJar.CopyTo(Temp.File("meteor"), "meteor-1.5.jar"), spiceJar = StandInJar.CopyTo(Temp.File("spice"), "spice-1.0.jar");
        var run = ToolRunner.Run("cacophony", "caption-eval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", output,
            "--max-tokens", "12", "--meteor-jar", meteorJar, "--spice-jar", spiceJar);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);

        // Truth: the same jars called directly on the written predictions and references, PTB-tokenized.
        var set = Clotho.Read(root);
        var predicted = Csv.ReadFile(Path.Combine(output, "predictions.csv")).Skip(1).Select(r => r[1]).ToList();
        var candidates = predicted.Select(Cacophony.Eval.CaptionMetrics.PtbTokenizer.Tokenize).ToList();
        var references = set.Clips.Select(c => (IReadOnlyList<string[]>)c.Captions.Select(Cacophony.Eval.CaptionMetrics.PtbTokenizer.Tokenize).ToList()).ToList();
        var java = Cacophony.Eval.CaptionMetrics.Java.JavaRuntime.Find();
        var meteor = Cacophony.Eval.CaptionMetrics.Java.Meteor.Score(java, StandInJar.CopyTo(Temp.File("meteor-check"), "meteor-1.5.jar"), candidates, references);
        var spice = Cacophony.Eval.CaptionMetrics.Java.Spice.Score(java, StandInJar.CopyTo(Temp.File("spice-check"), "spice-1.0.jar"), candidates, references, Temp.File("spice-work"));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.That(results.RootElement.GetProperty("meteor").GetDouble(), Is.EqualTo(meteor.Corpus).Within(1e-12));
        Assert.That(results.RootElement.GetProperty("spice").GetDouble(), Is.EqualTo(spice.Corpus).Within(1e-12));
        double cider = results.RootElement.GetProperty("cider_d").GetDouble();
        Assert.That(results.RootElement.GetProperty("spider").GetDouble(), Is.EqualTo((cider + spice.Corpus) / 2).Within(1e-12));
        var perClip = Csv.ReadFile(Path.Combine(output, "per_clip.csv"));
        Assert.That(perClip[0], Is.EqualTo(new[] { "file_name", "caption_predicted", "rouge_l", "cider_d", "meteor", "spice" }));
        Assert.That(perClip.Skip(1).Select(r => double.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(meteor.Items).Within(1e-6));
    }

    [Test]
    public void CaptionEvalNamesAMissingJarBeforeCaptioning()
    {
        string root = MiniDatasets.Clotho(Temp.File("clotho-nojar"));
        string jar = Temp.File("nowhere/meteor-1.5.jar");
        var run = ToolRunner.Run("cacophony", "caption-eval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--out", Temp.File("nojar"), "--meteor-jar", jar);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Stderr.Trim(), Is.EqualTo($"error: {jar}: no such jar file"));
        Assert.That(File.Exists(Temp.File("nojar/captions.csv")), Is.False, "nothing was captioned");
    }

    [TestCase("us8k", 2, 1)]
    [TestCase("tut2017", 2, 0)]
    [TestCase("vggsound", 1, 1)]
    public void ZeroShotRunsOnEachOfficialLayout(string dataset, int evaluated, int missing)
    {
        string root = dataset switch
        {
            "us8k" => MiniDatasets.UrbanSound8K(Temp.File("layout-us8k")),
            "tut2017" => MiniDatasets.Tut2017(Temp.File("layout-tut")),
            _ => MiniDatasets.VggSound(Temp.File("layout-vgg")),
        };
        string output = Temp.File($"zs-{dataset}");
        var run = ToolRunner.Run("cacophony", "zeroshot", "--model", ModelDirectory, "--dataset", dataset, "--root", root, "--out", output);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.That(results.RootElement.GetProperty("clips_evaluated").GetInt32(), Is.EqualTo(evaluated));
        Assert.That(results.RootElement.GetProperty("clips_missing").GetInt32(), Is.EqualTo(missing));
        Assert.That(results.RootElement.GetProperty("prompt").GetString(), Is.EqualTo(dataset == "tut2017" ? "This is a sound on " : "This is a sound of "));
    }

    [Test]
    public void RetrievalRunsOnAudioCaps()
    {
        string root = MiniDatasets.AudioCaps(Temp.File("layout-audiocaps"));
        string output = Temp.File("retrieval-audiocaps");
        var run = ToolRunner.Run("cacophony", "retrieval", "--model", ModelDirectory, "--dataset", "audiocaps", "--root", root, "--out", output, "--split", "test");
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.That(results.RootElement.GetProperty("clips_evaluated").GetInt32(), Is.EqualTo(2));
        Assert.That(results.RootElement.GetProperty("captions").GetInt32(), Is.EqualTo(3));
        Assert.That(results.RootElement.GetProperty("clips_missing").GetInt32(), Is.EqualTo(1));
    }
}
