using System.Diagnostics;
using System.Text.Json;
using Cacophony.Search;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>
/// `cacophony index build / update`, `search` and `tag` as processes: an update embeds only what changed and ends
/// with the bytes a fresh build writes; a build killed with SIGKILL leaves a readable index with no entry twice,
/// and running it again finishes the rest; a query in another model or an index of another version is refused in
/// one line; tags are the golden logits' softmax.
/// </summary>
public class IndexCommandTests : TinyModelCliFixture
{
    static ToolRunner.Result Cli(params string[] args) => ToolRunner.Run("cacophony", args);

    /// <summary>Everything after the header: the records (the header holds the creation time and folders).</summary>
    static byte[] Records(string index)
    {
        var bytes = File.ReadAllBytes(index);
        int json = BitConverter.ToInt32(bytes, 12);
        return bytes[(int)IndexLayout.Align(IndexLayout.HeaderPrefix + json)..];
    }

    [Test]
    public void AnUpdateEmbedsOnlyWhatChangedAndEndsAsAFreshBuild()
    {
        string library = LibraryFolder.WithGoldenClips(Temp.File("update-lib"));
        for (int i = 0; i < 3; i++) LibraryFolder.WriteWav(Path.Combine(library, "synth", $"s{i}.wav"), LibraryFolder.Recording(i, 3 + 5 * i));
        string index = Temp.File("update.cidx");
        var build = Cli("index", "build", "--model", ModelDirectory, library, "--out", index);
        Assert.That(build.ExitCode, Is.Zero, build.Stderr);
        Assert.That(build.Stderr, Does.Contain("8 embedded (9 windows), 0 reused, 0 unchanged, 0 removed, 0 skipped"));

        // New, changed, deleted, touched, moved, and a file that is not audio.
        LibraryFolder.WriteWav(Path.Combine(library, "synth", "new.wav"), LibraryFolder.Recording(40, 12));
        LibraryFolder.WriteWav(Path.Combine(library, "synth", "s1.wav"), LibraryFolder.Recording(41, 8));
        File.Delete(Path.Combine(library, "clip_16k.wav"));
        File.SetLastWriteTimeUtc(Path.Combine(library, "noise.wav"), DateTime.UtcNow.AddMinutes(-3));
        File.Move(Path.Combine(library, "speech_espeak.wav"), Path.Combine(library, "synth", "speech.wav"));
        File.WriteAllText(Path.Combine(library, "synth", "broken.wav"), "not audio");
        var update = Cli("index", "update", "--index", index);
        Assert.That(update.ExitCode, Is.EqualTo(2), "a skipped file makes the exit code 2");
        Assert.That(update.Stderr, Does.Contain("2 embedded (3 windows), 2 reused, 4 unchanged, 2 removed, 1 skipped"));
        Assert.That(update.Stderr, Does.Contain($"error: {Path.Combine(library, "synth", "broken.wav")}: is not audio"));
        var again = Cli("index", "update", "--index", index);
        Assert.That(again.Stderr, Does.Contain("0 embedded (0 windows), 0 reused, 8 unchanged, 0 removed, 1 skipped"));

        string fresh = Temp.File("fresh.cidx");
        Assert.That(Cli("index", "build", "--model", ModelDirectory, library, "--out", fresh).ExitCode, Is.EqualTo(2));
        Assert.That(Records(index), Is.EqualTo(Records(fresh)), "the updated index holds the bytes of a fresh build");
        using var opened = AudioIndex.Open(index);
        Assert.That(opened.Records, Is.EqualTo(1), "compacted");
        Assert.That(opened.Files.Select(f => f.RelativePath), Does.Contain("synth/speech.wav").And.Not.Contain("clip_16k.wav"));
    }

    [Test]
    public void ABuildKilledMidwayLosesNoFinishedEntryAndIsContinued()
    {
        const int files = 160;
        string library = Temp.File("kill-lib");
        for (int i = 0; i < files; i++) LibraryFolder.WriteWav(Path.Combine(library, $"clip{i:D3}.wav"), LibraryFolder.Recording(100 + i, 2));
        string index = Temp.File("kill.cidx");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "cacophony.dll"), "index", "build", "--model", ModelDirectory, library, "--out", index })
            start.ArgumentList.Add(arg);
        using var build = Process.Start(start)!;
        _ = build.StandardOutput.ReadToEndAsync();
        _ = build.StandardError.ReadToEndAsync();
        // Wait for a few records past the header, then SIGKILL: no chance to clean up.
        var clock = Stopwatch.StartNew();
        while (!build.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60) && (!File.Exists(index) || new FileInfo(index).Length < 4096)) Thread.Sleep(2);
        Assert.That(build.HasExited, Is.False, "the build was still running when killed");
        build.Kill();
        build.WaitForExit();

        int finished;
        using (var interrupted = AudioIndex.Open(index))
        {
            finished = interrupted.Files.Count;
            TestContext.Out.WriteLine($"killed after {finished} of {files} files, {interrupted.Records} records, {interrupted.TornBytes} torn bytes");
            Assert.That(finished, Is.InRange(1, files - 1));
            Assert.That(interrupted.Files.Select(f => f.RelativePath).Distinct().Count(), Is.EqualTo(finished), "no entry twice");
        }
        Assert.That(File.Exists(index + ".lock"), Is.True, "the lock file stays after a kill, its lock does not");
        var resumed = Cli("index", "build", "--model", ModelDirectory, library, "--out", index);
        Assert.That(resumed.ExitCode, Is.Zero, resumed.Stderr);
        Assert.That(resumed.Stderr, Does.Contain("exists: continuing it").And.Contain($"{files - finished} embedded").And.Contain($"{finished} unchanged"));

        string whole = Temp.File("whole.cidx");
        Assert.That(Cli("index", "build", "--model", ModelDirectory, library, "--out", whole).ExitCode, Is.Zero);
        Assert.That(Records(index), Is.EqualTo(Records(whole)), "resumed = uninterrupted, byte for byte");
    }

    [Test]
    public void SearchPrintsTheBestFilesAndRefusesAnotherModelOrVersionInOneLine()
    {
        string library = LibraryFolder.WithGoldenClips(Temp.File("search-lib"));
        string index = Temp.File("search.cidx");
        Assert.That(Cli("index", "build", "--model", ModelDirectory, library, "--out", index, "--compact").ExitCode, Is.Zero);
        // The reference's best clip for "Hello world" (golden similarity row of each clip, text 2).
        var similarity = Golden.Floats("logits", "similarity_audio_text");
        string best = LibraryFolder.GoldenClips.OrderByDescending(c => similarity[Array.IndexOf(Golden.AudioCases, "audio_" + c) * 13 + 2]).First();
        var search = Cli("search", "--index", index, "Hello world", "--top", "2", "--json");
        Assert.That(search.ExitCode, Is.Zero, search.Stderr);
        var lines = search.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        using (var first = JsonDocument.Parse(lines[0]))
        {
            Assert.That(first.RootElement.GetProperty("path").GetString(), Is.EqualTo(Path.Combine(library, best + ".wav")));
            Assert.That(first.RootElement.GetProperty("score").GetDouble(), Is.EqualTo(similarity[Array.IndexOf(Golden.AudioCases, "audio_" + best) * 13 + 2]).Within(0.01), "compact: within the int8 error");
        }
        var example = Cli("search", "--index", index, "--audio", Path.Combine(library, "noise.wav"), "--exclude-self", "--min-score", "-1");
        Assert.That(example.ExitCode, Is.Zero, example.Stderr);
        Assert.That(example.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(4).And.None.Contains("noise.wav"));

        var int8 = Cli("search", "--index", index, "a dog", "--precision", "int8");
        Assert.That(int8.ExitCode, Is.EqualTo(2));
        Assert.That(int8.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error", StringComparison.Ordinal)).ToList(),
            Has.Count.EqualTo(1).And.All.StartWith($"error: {index}: was built with the model"));
        Assert.That(int8.Stderr, Does.Not.Contain("   at "), "no stack trace");

        var bytes = File.ReadAllBytes(index);
        bytes[8] = 9;
        string future = Temp.File("future.cidx");
        File.WriteAllBytes(future, bytes);
        var refused = Cli("search", "--index", future, "a dog");
        Assert.That((refused.ExitCode, refused.Stderr.Trim()), Is.EqualTo((2, $"error: {future}: is an index of format version 9; this build reads version 1 (update cacophony)")));
        var neither = Cli("search", "--index", index);
        Assert.That(neither.ExitCode, Is.EqualTo(2));
        Assert.That(neither.Stderr, Does.Contain("give a description"));
    }

    [Test]
    public void TagsAreTheSoftmaxOfTheGoldenLogits()
    {
        string library = Temp.File("tag-lib");
        Directory.CreateDirectory(library);
        File.Copy(TestData.Tiny("wavs/noise.wav"), Path.Combine(library, "noise.wav"));
        File.Copy(TestData.Tiny("wavs/speech_espeak.wav"), Path.Combine(library, "speech_espeak.wav"));
        string index = Temp.File("tag.cidx");
        Assert.That(Cli("index", "build", "--model", ModelDirectory, library, "--out", index).ExitCode, Is.Zero);
        // With an empty prompt the labels are the reference texts themselves (all under 77 tokens).
        var texts = Golden.Texts("text_main");
        int[] chosen = [0, 2, 3, 4, 6];
        string labels = Temp.File("labels.txt");
        File.WriteAllLines(labels, chosen.Select(i => texts[i]));
        string csv = Temp.File("tags.csv");
        var tag = Cli("tag", "--index", index, "--labels", labels, "--out", csv, "--top", "2", "--prompt", "");
        Assert.That(tag.ExitCode, Is.Zero, tag.Stderr);
        var rows = File.ReadAllLines(csv);
        Assert.That(rows[0], Is.EqualTo("path,rank,label,probability,logit"));
        Assert.That(rows, Has.Length.EqualTo(1 + 2 * 2));
        var logits = Golden.Floats("logits", "logits_audio_text");
        foreach (var (clip, row) in new[] { ("noise", 1), ("speech_espeak", 2) })
        {
            int caseRow = Array.IndexOf(Golden.AudioCases, "audio_" + clip);
            var l = chosen.Select(i => (double)logits[caseRow * 13 + i]).ToArray();
            double max = l.Max(), sum = l.Sum(x => Math.Exp(x - max));
            var expected = chosen.Select((i, k) => (Label: texts[i], Probability: Math.Exp(l[k] - max) / sum, Logit: l[k])).OrderByDescending(e => e.Logit).ToList();
            var mine = rows.Skip(1).Where(r => r.Contains(clip + ".wav")).Select(Parse).ToList();
            Assert.That(mine.Select(m => m.Rank), Is.EqualTo(new[] { 1, 2 }));
            for (int k = 0; k < 2; k++)
            {
                Assert.That(mine[k].Label, Is.EqualTo(expected[k].Label), $"{clip} rank {k + 1}");
                Assert.That(mine[k].Probability, Is.EqualTo(expected[k].Probability).Within(1e-4));
                Assert.That(mine[k].Logit, Is.EqualTo(expected[k].Logit).Within(1e-3));
            }
        }
    }

    static (int Rank, string Label, double Probability, double Logit) Parse(string row)
    {
        var fields = Cacophony.Eval.Datasets.Csv.Parse(row)[0];
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return (int.Parse(fields[1], inv), fields[2], double.Parse(fields[3], inv), double.Parse(fields[4], inv));
    }
}
