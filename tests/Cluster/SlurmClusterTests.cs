using System.Diagnostics;
using System.Text.RegularExpressions;
using Cacophony.Eval.Sharding;
using Cacophony.Tests.Eval;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Cluster;

/// <summary>
/// Sharded runs on a real Slurm cluster: the single-node cluster .ci/start-slurm.sh starts (slurm-wlm and munge,
/// found through SLURM_CONF), driven by the recipe users run (tools/cluster/slurm/submit.sh: a job array and a
/// merge after it). The truth is the single-process run of the same command: the merged output must be its
/// bytes. Skipped, with the reason, where no cluster answers.
/// </summary>
[NonParallelizable]
public partial class SlurmClusterTests : TinyModelCliFixture
{
    protected override bool RequiresTokenizer => false;

    string _recipes = "";

    [OneTimeSetUp]
    public void FindTheCluster()
    {
        string? conf = Environment.GetEnvironmentVariable("SLURM_CONF");
        if (conf is null || !File.Exists(conf))
            Assert.Ignore("no Slurm cluster: SLURM_CONF is not set (.ci/start-slurm.sh starts a one-node cluster here, as root, and prints it)");
        var sinfo = Slurm("sinfo", "-h", "-o", "%T");
        if (sinfo.ExitCode != 0 || !Regex.IsMatch(sinfo.Stdout, "idle|mixed|allocated"))
            Assert.Ignore($"the Slurm cluster of {conf} does not answer: {sinfo.Stdout.Trim()} {sinfo.Stderr.Trim()}");
        _recipes = Path.Combine(TestData.RepositoryRoot() ?? throw new IgnoreException("not run from the repository"), "tools", "cluster", "slurm");
    }

    /// <summary>
    /// What the array runs: the NativeAOT binary where CI has published it (CACOPHONY_NATIVE_CLI; the form the recipe
    /// recommends), else this build through dotnet. The single-process run each result is compared with uses the
    /// same one (the native build targets AVX2, so on an AVX-512 machine its bits are not the JIT build's).
    /// </summary>
    static string? Native => Environment.GetEnvironmentVariable("CACOPHONY_NATIVE_CLI") is { } native && File.Exists(native) ? native : null;

    static string Cli => Native ?? $"dotnet {Path.Combine(TestContext.CurrentContext.TestDirectory, "cacophony.dll")}";

    /// <summary>The single-process run of a command, by the program the array runs.</summary>
    static ToolRunner.Result Single(params string[] args) => Native is { } native ? ToolRunner.Execute(native, args) : ToolRunner.Run("cacophony", args);

    static ToolRunner.Result Slurm(string program, params string[] args) => ToolRunner.Execute(program, args, timeoutSeconds: 60);

    /// <summary>submit.sh SHARDS OUT -- COMMAND: the array and the merge job ids. One CPU a shard, so that two run at once on two cores.</summary>
    (string Array, string Merge) Submit(int shards, string output, params string[] command)
    {
        var environment = new Dictionary<string, string>
        {
            ["CACOPHONY"] = Cli,
            ["CACOPHONY_CPUS"] = "1",
        };
        var submit = ToolRunner.Execute(Path.Combine(_recipes, "submit.sh"), [$"{shards}", output, "--", .. command], environment, workingDirectory: Temp.Path);
        Assert.That(submit.ExitCode, Is.Zero, submit.Stderr);
        var ids = submit.Stdout.Trim().Split(' ');
        return (ids[0], ids[1]);
    }

    /// <summary>Waits until none of the jobs is pending or running.</summary>
    static void WaitFor(params string[] jobs)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var queue = Slurm("squeue", "-h", "-j", string.Join(',', jobs), "-o", "%i %T");
            if (queue.ExitCode != 0 || queue.Stdout.Trim().Length == 0) return;
            if (clock.Elapsed.TotalSeconds > 240) Assert.Fail($"jobs still queued after 240 s: {queue.Stdout}");
            Thread.Sleep(200);
        }
    }

    static string State(string job) => JobField(job, "JobState");

    /// <summary>slurmd's SlurmdSpoolDir, where each job on the node has its directory (the test's cluster is this machine).</summary>
    static string SpoolDirectory()
    {
        var match = Regex.Match(Slurm("scontrol", "show", "config").Stdout, @"^SlurmdSpoolDir\s*=\s*(\S+)", RegexOptions.Multiline);
        Assert.That(match.Success, "scontrol show config names SlurmdSpoolDir");
        return match.Groups[1].Value;
    }

    static string JobField(string job, string field)
    {
        var show = Slurm("scontrol", "show", "job", "-o", job);
        var match = Regex.Match(show.Stdout, $@"\b{field}=(\S+)");
        return match.Success ? match.Groups[1].Value : $"(no {field}: {show.Stdout.Trim()} {show.Stderr.Trim()})";
    }

    string MergeLog(string merge) => File.ReadAllText(Path.Combine(Temp.Path, $"cacophony-merge-{merge}.out"));

    /// <summary>Tones of several lengths in a folder.</summary>
    string Folder(string name, int count)
    {
        string folder = Temp.File(name);
        for (int i = 0; i < count; i++) MiniDatasets.Tone(Path.Combine(folder, $"clip-{i:D2}.wav"), 220 + 70 * i, seconds: 0.5 + 0.45 * (i % 7), seed: i);
        return folder;
    }

    [Test]
    public void AFourTaskArrayEmbedsAFolderAndItsMergeIsTheSingleRunsBytes()
    {
        string folder = Folder("array-clips", 12), single = Temp.File("array-single/emb.npy"), output = Temp.File("array-out");
        var reference = Single("embed-audio", "--model", ModelDirectory, folder, "--out", single);
        Assert.That(reference.ExitCode, Is.Zero, reference.Stderr);

        var (array, merge) = Submit(4, output, "embed-audio", "--model", ModelDirectory, folder, "--out", Path.Combine(output, "emb.npy"));
        WaitFor(array, merge);
        Assert.That(State(merge), Is.EqualTo("COMPLETED"), MergeLog(merge));
        for (int i = 0; i < 4; i++)
            Assert.That(PartManifest.Read(PartFolder.Of(output, "emb.npy", new Shard(i, 4)))!.Finished, $"shard {i} of the array wrote its part");
        Assert.That(File.ReadAllBytes(Path.Combine(output, "emb.npy")), Is.EqualTo(File.ReadAllBytes(single)));
        Assert.That(File.ReadAllText(Path.Combine(output, "emb.files.txt")), Is.EqualTo(File.ReadAllText(Path.ChangeExtension(single, ".files.txt"))));
    }

    [Test]
    public void HearAndZeroShotArraysMergeIntoTheSingleRunsFiles()
    {
        string tasks = HearTests.MakeSceneAndEventTasks(Temp.File("hear-tasks"));
        // The kit's event files name embeddings by path: the single run writes where the array will, then moves aside.
        string hearOut = Temp.File("hear-out"), hearSingle = Temp.File("hear-single");
        Assert.That(Single("hear", "--model", ModelDirectory, "--tasks", tasks, "--out", hearOut).ExitCode, Is.Zero);
        Directory.Move(hearOut, hearSingle);
        var jobs = new List<string>();
        var (hearArray, hearMerge) = Submit(4, hearOut, "hear", "--model", ModelDirectory, "--tasks", tasks, "--out", hearOut);
        jobs.AddRange([hearArray, hearMerge]);

        bool tokenizer = File.Exists(Path.Combine(ModelDirectory, "vocab.json"));
        string esc50 = MiniDatasets.Esc50(Temp.File("esc50")), zsSingle = Temp.File("zs-single"), zsOut = Temp.File("zs-out");
        string zsMerge = "";
        if (tokenizer)
        {
            Assert.That(Single("zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", esc50, "--out", zsSingle).ExitCode, Is.Zero);
            var (zsArray, merge) = Submit(4, zsOut, "zeroshot", "--model", ModelDirectory, "--dataset", "esc50", "--root", esc50, "--out", zsOut);
            jobs.AddRange([zsArray, merge]);
            zsMerge = merge;
        }
        WaitFor([.. jobs]);

        Assert.That(State(hearMerge), Is.EqualTo("COMPLETED"), MergeLog(hearMerge));
        DirectoryTree.AssertSame(hearSingle, hearOut, PartFolder.PartsDirectory);
        if (!tokenizer) Assert.Ignore("HEAR merged exactly; zero-shot needs the RoBERTa tokenizer files (../shared/tokenizer or CACOPHONY_TOKENIZER_DIR)");
        Assert.That(State(zsMerge), Is.EqualTo("COMPLETED"), MergeLog(zsMerge));
        DirectoryTree.AssertSame(zsSingle, zsOut, PartFolder.PartsDirectory);
    }

    /// <summary>
    /// Task 3 is stopped mid-run (some rows logged, its part not finished), cancelled with scancel, requeued and
    /// resumed; task 1 meets a corrupt file. The cancel makes the first merge's afterok impossible, so Slurm drops
    /// that merge; submitting the same command again redoes nothing finished and merges. The result is the single
    /// run's bytes, and the corrupt file is listed.
    /// </summary>
    [Test]
    public void ACancelledRequeuedTaskResumesAndACorruptFileIsListedWhileTheMergeStaysExact()
    {
        // By size, 18 long clips fill shards 0 and 1 and 200 short ones shards 2 and 3: task 3 encodes 100 clips (~1 s).
        string folder = Temp.File("fault-clips");
        for (int i = 0; i < 18; i++) MiniDatasets.Tone(Path.Combine(folder, $"a-long-{i:D2}.wav"), 200 + 11 * i, seconds: 10, seed: i);
        for (int i = 0; i < 200; i++) MiniDatasets.Tone(Path.Combine(folder, $"z-short-{i:D3}.wav"), 300 + 3 * i, seconds: 0.9, seed: i);
        File.WriteAllText(Path.Combine(folder, "b-corrupt.wav"), "not audio");
        string single = Temp.File("fault-single/emb.npy"), output = Temp.File("fault-out"), npy = Path.Combine(output, "emb.npy");
        string[] command = ["embed-audio", "--model", ModelDirectory, folder, "--out", npy];
        Assert.That(Single(["embed-audio", "--model", ModelDirectory, folder, "--out", single]).ExitCode, Is.EqualTo(2));

        var (array, firstMerge) = Submit(4, output, command);
        string part = PartFolder.Of(output, "emb.npy", new Shard(3, 4)), log = Path.Combine(part, "rows.tsv.partial");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllLines(log).Length >= 2))
        {
            Assert.That(File.Exists(Path.Combine(part, "rows.tsv")), Is.False, "task 3 finished before it could be stopped");
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(120), "task 3 did not start");
            Thread.Sleep(10);
        }
        Assert.That(Slurm("scontrol", "suspend", $"{array}_3").ExitCode, Is.Zero);
        // The controller answers at once and slurmd stops the task afterwards, deferring it until the launch is
        // complete; a cancel that overtakes that leaves the task stopped for good (Slurm 22.05, a task suspended
        // within ~0.1 s of its start). So cancel only once the task has written no row for two seconds.
        var logged = File.ReadAllLines(log);
        for (clock.Restart(); ;)
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60), $"task 3 did not come to rest suspended: {State($"{array}_3")}");
            Thread.Sleep(2000);
            var now = File.ReadAllLines(log);
            if (now.Length == logged.Length && State($"{array}_3") == "SUSPENDED") break;
            logged = now;
        }
        Assert.That(PartManifest.Read(part)!.Finished, Is.False, "stopped mid-run");
        Assert.That(Slurm("scancel", $"{array}_3").ExitCode, Is.Zero);
        for (clock.Restart(); State($"{array}_3") != "CANCELLED"; Thread.Sleep(100))
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60), $"task 3 is {State($"{array}_3")}, not cancelled");
        TestContext.Out.WriteLine($"task 3 cancelled with {logged.Length} of its rows logged");
        // slurmd removes the cancelled task's spool directory a moment after the controller calls it CANCELLED; a
        // requeued task launched before that fails ("slurm_script: File exists") and Slurm holds it.
        string spool = Path.Combine(SpoolDirectory(), $"job{int.Parse(JobField($"{array}_3", "JobId")):D5}");
        for (clock.Restart(); Directory.Exists(spool); Thread.Sleep(100))
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60), $"slurmd kept {spool}");
        // slurmd also revoked the job's credential at the cancel, to the second, and refuses a launch whose credential
        // is not newer ("Job credential revoked": the requeued task fails): requeue in a later second.
        Thread.Sleep(1050 - DateTime.UtcNow.Millisecond);

        // Requeued: Slurm holds a requeued cancelled task and delays its start; release it now.
        Assert.That(Slurm("scontrol", "requeue", $"{array}_3").ExitCode, Is.Zero);
        Slurm("scontrol", "release", $"{array}_3");
        Slurm("scontrol", "update", $"JobId={array}_3", "StartTime=now");
        WaitFor(array);
        Assert.That(State($"{array}_3"), Is.EqualTo("COMPLETED"));
        Assert.That(JobField($"{array}_3", "Restarts"), Is.EqualTo("1"));
        var rows = File.ReadAllLines(Path.Combine(part, "rows.tsv"));
        Assert.That(rows, Is.Unique, "the resumed task redid no row");
        Assert.That(rows.Take(logged.Length), Is.EqualTo(logged), "the rows logged before the cancel were kept");
        Assert.That(rows, Has.Length.EqualTo(PartManifest.Read(part)!.Covered.Count));
        WaitFor(firstMerge);
        Assert.That(State(firstMerge), Is.EqualTo("CANCELLED"), "afterok cannot hold once a task was cancelled");

        var (again, merge) = Submit(4, output, command);
        WaitFor(again, merge);
        Assert.That(JobField(merge, "ExitCode"), Is.EqualTo("2:0"), "the merge reports the unreadable file, as the single run does");
        Assert.That(MergeLog(merge), Does.Contain("b-corrupt.wav"));
        Assert.That(File.ReadAllBytes(npy), Is.EqualTo(File.ReadAllBytes(single)));
        Assert.That(File.ReadAllText(Path.ChangeExtension(npy, ".files.txt")), Is.EqualTo(File.ReadAllText(Path.ChangeExtension(single, ".files.txt"))));
    }
}
