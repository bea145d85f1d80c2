using System.Text.Json;
using System.Text.Json.Nodes;
using Cacophony.Eval.Sharding;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>
/// Sharded runs (--shard I/N and the schedulers' environments) and `cacophony merge`, as processes on the tiny model.
/// The truth is the single-process run of the same command: the merged output must be its bytes, file for file.
/// </summary>
public class ShardedRunTests : TinyModelCliFixture
{
    protected override bool RequiresTokenizer => false;

    static ToolRunner.Result Cli(params string[] args) => ToolRunner.Run("cacophony", args);

    static ToolRunner.Result CliWith(Dictionary<string, string> environment, params string[] args) => ToolRunner.RunWith(environment, "cacophony", args);

    /// <summary>Tones of different lengths, one corrupt file, and one file given twice.</summary>
    string[] Clips(string folder)
    {
        var paths = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            string path = Path.Combine(Temp.File(folder), $"clip-{i}.wav");
            MiniDatasets.Tone(path, 200 + 90 * i, seconds: 0.5 + 0.4 * i, seed: i);
            paths.Add(path);
        }
        string corrupt = Path.Combine(Temp.File(folder), "corrupt.wav");
        File.WriteAllBytes(corrupt, "RIFF\u0010\0\0\0WAVEfmt broken"u8.ToArray());
        return [paths[4], .. paths[..4], corrupt, paths[5], paths[1], paths[6]];
    }

    [Test]
    public void EmbedAudioShardsMergeIntoTheSingleRunsBytesAndListTheUnreadableFile()
    {
        var clips = Clips("embed-clips");
        string single = Temp.File("embed-single/emb.npy"), sharded = Temp.File("embed-sharded/emb.npy");
        var whole = Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", single]);
        Assert.That(whole.ExitCode, Is.EqualTo(2), "the corrupt file is reported");

        for (int i = 0; i < 4; i++)
        {
            // Shard 3 from a Slurm array's environment, the others from --shard.
            var run = i == 3
                ? CliWith(new() { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_COUNT"] = "4" }, ["embed-audio", "--model", ModelDirectory, .. clips, "--out", sharded])
                : Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", sharded, "--shard", $"{i}/4"]);
            Assert.That(run.ExitCode, Is.EqualTo(0).Or.EqualTo(2), run.Stderr);
            Assert.That(run.Stdout, Does.Contain($"shard {i}/4 of emb.npy"));
        }
        Assert.That(File.Exists(sharded), Is.False, "shards write parts only");
        var covered = Enumerable.Range(0, 4).SelectMany(i => PartManifest.Read(PartFolder.Of(Temp.File("embed-sharded"), "emb.npy", new Shard(i, 4)))!.Covered).ToList();
        Assert.That(covered, Is.EquivalentTo(clips.Distinct()), "every distinct file in exactly one shard");

        var merge = Cli("merge", Temp.File("embed-sharded"));
        Assert.That(merge.ExitCode, Is.EqualTo(2), "the merge reports the unreadable file as the single run does");
        Assert.That(merge.Stderr, Does.Contain("corrupt.wav"));
        Assert.That(File.ReadAllBytes(sharded), Is.EqualTo(File.ReadAllBytes(single)), "the merged rows are the single run's bytes, in the arguments' order");
        Assert.That(File.ReadAllText(Path.ChangeExtension(sharded, ".files.txt")), Is.EqualTo(File.ReadAllText(Path.ChangeExtension(single, ".files.txt"))));
    }

    [Test]
    public void AFinishedShardIsNotRunAgainAndADeadOneResumes()
    {
        var clips = Clips("resume-clips");
        string single = Temp.File("resume-single/emb.npy"), sharded = Temp.File("resume-sharded/emb.npy");
        Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", single]);
        string[] shard0 = ["embed-audio", "--model", ModelDirectory, .. clips, "--out", sharded, "--shard", "0/2"];
        Assert.That(Cli(shard0).ExitCode, Is.EqualTo(0).Or.EqualTo(2));
        string part = PartFolder.Of(Temp.File("resume-sharded"), "emb.npy", new Shard(0, 2));
        var finished = File.ReadAllBytes(Path.Combine(part, "manifest.json"));
        var rerun = Cli(shard0);
        Assert.That(rerun.Stderr, Does.Not.Contain("device:"), "a finished shard does not even load the model");
        Assert.That(File.ReadAllBytes(Path.Combine(part, "manifest.json")), Is.EqualTo(finished));

        // As a process killed mid-row leaves it: the logs under their partial names, the last line gone and half
        // of its row written, the manifest not finished.
        File.Move(Path.Combine(part, "rows.f32"), Path.Combine(part, "rows.f32.partial"));
        var lines = File.ReadAllLines(Path.Combine(part, "rows.tsv"));
        File.Delete(Path.Combine(part, "rows.tsv"));
        File.WriteAllLines(Path.Combine(part, "rows.tsv.partial"), lines[..^1]);
        var rows = File.ReadAllBytes(Path.Combine(part, "rows.f32.partial"));
        File.WriteAllBytes(Path.Combine(part, "rows.f32.partial"), rows[..^(32 * 4 / 2)]);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(part, "manifest.json")))!;
        manifest["finished"] = false;
        File.WriteAllText(Path.Combine(part, "manifest.json"), manifest.ToJsonString());
        var resumed = Cli(shard0);
        Assert.That(resumed.Stdout, Does.Contain("shard 0/2"), resumed.Stderr);
        Assert.That(File.ReadAllLines(Path.Combine(part, "rows.tsv")), Is.EqualTo(lines), "the resumed shard redid only what was lost");

        Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", sharded, "--shard", "1/2"]);
        Cli("merge", Temp.File("resume-sharded"));
        Assert.That(File.ReadAllBytes(sharded), Is.EqualTo(File.ReadAllBytes(single)));
    }

    [Test]
    public void AOneTaskArrayWritesAPartForItsMergeWhileShardZeroOfOneIsTheWholeJob()
    {
        var clips = Clips("one-clips");
        string single = Temp.File("one-single/emb.npy"), array = Temp.File("one-array/emb.npy"), whole = Temp.File("one-whole/emb.npy");
        Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", single]);
        CliWith(new() { ["SLURM_ARRAY_TASK_ID"] = "0", ["SLURM_ARRAY_TASK_COUNT"] = "1" }, ["embed-audio", "--model", ModelDirectory, .. clips, "--out", array]);
        Assert.That(File.Exists(array), Is.False, "the array's one task writes its part");
        Cli("merge", Temp.File("one-array"));
        Assert.That(File.ReadAllBytes(array), Is.EqualTo(File.ReadAllBytes(single)));
        CliWith(new() { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "4" }, ["embed-audio", "--model", ModelDirectory, .. clips, "--out", whole, "--shard", "0/1"]);
        Assert.That(File.ReadAllBytes(whole), Is.EqualTo(File.ReadAllBytes(single)), "--shard 0/1 runs the whole job, inside an array too");
        Assert.That(Directory.Exists(Temp.File("one-whole/parts")), Is.False);
    }

    [Test]
    public void AMergeOfShardsOnDifferentInstructionSetsSaysSo()
    {
        if (Cacophony.Kernels.Cpu.Isa.Detected != Cacophony.Kernels.Cpu.InstructionSet.Vector512) Assert.Ignore("needs an AVX-512 machine, to run one shard with AVX-512 and one without");
        var clips = Clips("isa-clips");
        string npy = Temp.File("isa-out/emb.npy");
        CliWith(new() { ["DOTNET_EnableAVX512F"] = "0", ["DOTNET_EnableAVX512"] = "0" }, ["embed-audio", "--model", ModelDirectory, .. clips, "--out", npy, "--shard", "0/2"]);
        Cli(["embed-audio", "--model", ModelDirectory, .. clips, "--out", npy, "--shard", "1/2"]);
        string Isa(int shard) => PartManifest.Read(PartFolder.Of(Temp.File("isa-out"), "emb.npy", new Shard(shard, 2)))!.InstructionSet!;
        Assert.That(Isa(0), Does.Contain("AVX2"));
        Assert.That(Isa(1), Does.Contain("AVX-512"));
        var merge = Cli("merge", Temp.File("isa-out"));
        Assert.That(merge.Stderr, Does.Contain("different instruction sets").And.Contain("on shard 0").And.Contain("on shard 1"));
    }

    [Test]
    public void MergeNamesTheShardThatIsMissingUnfinishedOrFromAnotherJob()
    {
        var clips = Clips("merge-clips");
        string output = Temp.File("merge-out"), npy = Path.Combine(output, "emb.npy");
        Assert.That(Cli("merge", output).Stderr, Does.Contain("no parts to merge"));
        string[] Shard(string shard, params string[] more) => ["embed-audio", "--model", ModelDirectory, .. clips, "--out", npy, "--shard", shard, .. more];

        Cli(Shard("0/3"));
        Cli(Shard("2/3"));
        var missing = Cli("merge", output);
        Assert.That(missing.ExitCode, Is.EqualTo(2));
        Assert.That(missing.Stderr, Does.Contain("shard 1/3 is missing"));
        Assert.That(missing.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");

        Cli(Shard("1/3", "--seq-policy", "exact"));
        Assert.That(Cli("merge", output).Stderr, Does.Contain("shard 1/3 ran another job"));
        Assert.That(Cli(Shard("1/3")).Stderr, Does.Contain("holds a part of another job"), "a shard does not mix its rows into another job's part");

        Directory.Delete(PartFolder.Of(output, "emb.npy", new Shard(1, 3)), recursive: true);
        Cli(Shard("1/2"));
        Assert.That(Cli("merge", output).Stderr, Does.Contain("different shard counts"));

        Directory.Delete(PartFolder.Of(output, "emb.npy", new Shard(1, 2)), recursive: true);
        Cli(Shard("1/3"));
        var manifestPath = Path.Combine(PartFolder.Of(output, "emb.npy", new Shard(1, 3)), "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["finished"] = false;
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        Assert.That(Cli("merge", output).Stderr, Does.Contain("shard 1/3 has not finished"));
    }

    [Test]
    public void IndexBuildShardsMergeIntoTheSingleBuildsIndex()
    {
        var clips = Clips("index-library");
        // A second folder level, and a long file cut into several windows.
        MiniDatasets.Tone(Path.Combine(Temp.File("index-library"), "sub", "long.wav"), 330, seconds: 23);
        string single = Temp.File("index-single/library.cidx"), sharded = Temp.File("index-sharded/library.cidx");
        Assert.That(Cli("index", "build", "--model", ModelDirectory, Temp.File("index-library"), "--out", single).ExitCode, Is.EqualTo(2), "the corrupt file is skipped and reported");
        for (int i = 0; i < 3; i++) Cli("index", "build", "--model", ModelDirectory, Temp.File("index-library"), "--out", sharded, "--shard", $"{i}/3");
        var merge = Cli("merge", Temp.File("index-sharded"));
        Assert.That(merge.ExitCode, Is.EqualTo(2));
        Assert.That(merge.Stderr, Does.Contain("corrupt.wav"));
        Assert.That(merge.Stderr.Split('\n').Count(l => l.Contains("corrupt.wav")), Is.EqualTo(1), "listed once");
        // The same bytes but for the creation time in the header (the merge keeps the first shard's) and so the
        // header's digest, which opening the merged index checks.
        using (var merged = Cacophony.Search.AudioIndex.Open(sharded)) merged.Verify();
        byte[] a = File.ReadAllBytes(single), b = File.ReadAllBytes(sharded);
        Assert.That(b, Has.Length.EqualTo(a.Length));
        int created = System.Text.Encoding.ASCII.GetString(a).IndexOf("\"created\":\"", StringComparison.Ordinal) + 11;
        Assert.That(created, Is.GreaterThan(11));
        b.AsSpan(created, 20).CopyTo(a.AsSpan(created, 20));
        b.AsSpan(16, 8).CopyTo(a.AsSpan(16, 8));
        Assert.That(b, Is.EqualTo(a));
    }

    [Test]
    public void HearShardsMergeIntoTheSingleRunsTaskDirectoriesDoneMarkersIncluded()
    {
        string tasks = HearTests.MakeSceneAndEventTasks(Temp.File("hear-tasks"));
        // The kit's event files name each embedding by its path, so both runs write to the same folder, in turn.
        string single = Temp.File("hear-single"), sharded = Temp.File("hear-sharded");
        Assert.That(Cli("hear", "--model", ModelDirectory, "--tasks", tasks, "--out", sharded).ExitCode, Is.Zero);
        Directory.Move(sharded, single);
        for (int i = 0; i < 3; i++)
        {
            var run = Cli("hear", "--model", ModelDirectory, "--tasks", tasks, "--out", sharded, "--shard", $"{i}/3");
            Assert.That(run.ExitCode, Is.Zero, run.Stderr);
        }
        Assert.That(Directory.GetFiles(sharded, ".done.embeddings", SearchOption.AllDirectories), Is.Empty, "shards do not aggregate");
        var merge = Cli("merge", sharded);
        Assert.That(merge.ExitCode, Is.Zero, merge.Stderr);
        DirectoryTree.AssertSame(single, sharded, PartFolder.PartsDirectory);
    }

    [Test]
    public void ZeroShotShardsMergeIntoTheSingleRunsResults()
    {
        TestData.TokenizerDirectoryOrIgnore();
        string root = MiniDatasets.Esc50(Temp.File("esc50"));
        File.WriteAllText(Path.Combine(root, "audio", "2-101-A-1.wav"), "not audio");
        string single = Temp.File("zs-single"), sharded = Temp.File("zs-sharded");
        string[] command = ["zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", root, "--batch", "4"];
        Assert.That(Cli([.. command, "--out", single]).ExitCode, Is.EqualTo(2));
        for (int i = 0; i < 3; i++) Cli([.. command, "--out", sharded, "--shard", $"{i}/3"]);
        var merge = Cli("merge", sharded);
        Assert.That(merge.ExitCode, Is.EqualTo(2), merge.Stderr);
        Assert.That(merge.Stdout, Does.Contain("top-1 accuracy"));
        DirectoryTree.AssertSame(single, sharded, PartFolder.PartsDirectory);
        Assert.That(File.ReadAllText(Path.Combine(sharded, "unreadable.csv")), Does.Contain("2-101-A-1.wav"));
    }

    [Test]
    public void CaptionEvalShardsSampleAsTheSingleRunAndMergeIntoItsResults()
    {
        TestData.TokenizerDirectoryOrIgnore();
        string root = MiniDatasets.Clotho(Temp.File("clotho-captions"));
        string single = Temp.File("ce-single"), sharded = Temp.File("ce-sharded");
        // Sampling: each clip's stream is keyed by its place in the job, so a shard draws what the single run draws.
        string[] command = ["caption-eval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root, "--max-tokens", "12", "--batch", "2",
            "--decode", "sample", "--temperature", "1", "--seed", "5"];
        Assert.That(Cli([.. command, "--out", single]).ExitCode, Is.Zero);
        for (int i = 0; i < 3; i++) Assert.That(Cli([.. command, "--out", sharded, "--shard", $"{i}/3"]).ExitCode, Is.Zero);
        Assert.That(Cli("merge", sharded).ExitCode, Is.Zero);
        DirectoryTree.AssertSame(single, sharded, PartFolder.PartsDirectory);
    }

    [Test]
    public void RetrievalShardsMergeIntoTheSingleRunsResults()
    {
        TestData.TokenizerDirectoryOrIgnore();
        string root = MiniDatasets.Clotho(Temp.File("clotho"));
        string single = Temp.File("rt-single"), sharded = Temp.File("rt-sharded");
        string[] command = ["retrieval", "--model", ModelDirectory, "--dataset", "clotho", "--root", root];
        Assert.That(Cli([.. command, "--out", single]).ExitCode, Is.Zero);
        for (int i = 0; i < 2; i++) Assert.That(Cli([.. command, "--out", sharded, "--shard", $"{i}/2"]).ExitCode, Is.Zero);
        Assert.That(Cli("merge", sharded).ExitCode, Is.Zero);
        DirectoryTree.AssertSame(single, sharded, PartFolder.PartsDirectory);
    }
}
