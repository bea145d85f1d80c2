using Cacophony.Eval.Sharding;

namespace Cacophony.Tests.Eval;

/// <summary>Shards from --shard and from the schedulers' environments, and the split of inputs: every input in exactly one shard, in order, balanced by weight.</summary>
public class ShardTests
{
    [TestCase("0/1", 0, 1)]
    [TestCase("3/8", 3, 8)]
    [TestCase("7/8", 7, 8)]
    public void ParsesIOverN(string text, int index, int count) => Assert.That(Shard.Parse(text), Is.EqualTo(new Shard(index, count)));

    [TestCase("8/8")]
    [TestCase("-1/4")]
    [TestCase("1/0")]
    [TestCase("1")]
    [TestCase("a/b")]
    [TestCase("1/2/3")]
    public void RefusesWhatIsNotAShard(string text) =>
        Assert.That(Assert.Throws<ArgumentException>(() => Shard.Parse(text))!.Message, Does.StartWith("--shard must be I/N").And.Contain(text));

    [Test]
    public void ReadsSlurmArraysAndKubernetesIndexedJobs()
    {
        Shard? From(Dictionary<string, string> env, int? shards = null) => Shard.FromEnvironment(name => env.GetValueOrDefault(name), shards);
        Assert.That(From([]), Is.Null, "no scheduler: the whole job");
        Assert.That(From(new() { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "4" }), Is.EqualTo(new Shard(2, 4)));
        Assert.That(From(new() { ["SLURM_ARRAY_TASK_ID"] = "11", ["SLURM_ARRAY_TASK_MIN"] = "10", ["SLURM_ARRAY_TASK_MAX"] = "13" }), Is.EqualTo(new Shard(1, 4)), "--array=10-13");
        Assert.That(From(new() { ["JOB_COMPLETION_INDEX"] = "5" }, shards: 6), Is.EqualTo(new Shard(5, 6)));
        Assert.That(Assert.Throws<ArgumentException>(() => From(new() { ["JOB_COMPLETION_INDEX"] = "5" }))!.Message, Does.Contain("--shards N"));
        Assert.That(Assert.Throws<ArgumentException>(() => From(new() { ["SLURM_ARRAY_TASK_ID"] = "1" }))!.Message, Does.Contain("SLURM_ARRAY_TASK_COUNT"));
        Assert.That(Assert.Throws<ArgumentException>(() => From(new() { ["JOB_COMPLETION_INDEX"] = "6" }, shards: 6))!.Message, Does.Contain("task 6 of 6"));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(7)]
    public void EveryInputIsInOneShardAndTheShardsConcatenateToTheSortedList(int count)
    {
        var random = new Random(count);
        var files = Enumerable.Range(0, 200).Select(i => (Name: $"clip{random.Next(100000):D6}_{i}.wav", Bytes: (double)random.Next(1, 1_000_000))).ToList();
        var shards = Enumerable.Range(0, count).Select(i => ShardPlan.Select(files, f => f.Name, f => f.Bytes, new Shard(i, count))).ToList();
        Assert.That(shards.SelectMany(s => s).Select(f => f.Name), Is.EqualTo(files.Select(f => f.Name).Order(StringComparer.Ordinal)));
        // Balanced by bytes: each shard within one file's weight of total / N.
        double total = files.Sum(f => f.Bytes), largest = files.Max(f => f.Bytes);
        foreach (var shard in shards) Assert.That(shard.Sum(f => f.Bytes), Is.EqualTo(total / count).Within(largest));
    }

    [Test]
    public void OneHugeFileDoesNotTakeItsNeighboursWithItAndEmptyFilesAreCounted()
    {
        var files = new[] { ("a", 1.0), ("b", 1.0), ("c", 100.0), ("d", 3.0), ("e", 1.0) };
        var first = ShardPlan.Select(files, f => f.Item1, f => f.Item2, new Shard(0, 2));
        var second = ShardPlan.Select(files, f => f.Item1, f => f.Item2, new Shard(1, 2));
        Assert.That(first.Select(f => f.Item1), Is.EqualTo(new[] { "a", "b", "c" }), "c's middle is at 52/106, before the half");
        Assert.That(second.Select(f => f.Item1), Is.EqualTo(new[] { "d", "e" }));
        var empty = Enumerable.Range(0, 6).Select(i => ($"f{i}", 0.0)).ToList();
        Assert.That(Enumerable.Range(0, 3).Select(s => ShardPlan.Select(empty, f => f.Item1, f => f.Item2, new Shard(s, 3)).Count), Is.EqualTo(new[] { 2, 2, 2 }));
    }

    [Test]
    public void PartsThatCoverAnInputTwiceAreRefusedNamingBothShards()
    {
        using var temp = new Cacophony.Tests.Support.TempDirectory();
        string[] inputs = ["a.wav", "b.wav", "c.wav"];
        foreach (var (index, covered) in new[] { (0, new[] { "a.wav", "b.wav" }), (1, new[] { "b.wav", "c.wav" }) })
        {
            var part = ShardRole.ForPart(new Shard(index, 2), ["embed-audio", .. inputs], temp.Path).BeginPart(temp.Path, "emb.npy", inputs);
            part.Finish(covered, []);
        }
        var error = Assert.Throws<ShardException>(() => PartSet.Collect(temp.Path))!;
        Assert.That(error.Message, Does.Contain("b.wav is in shard 0/2 and in shard 1/2"));
    }

    [Test]
    public void AMergeOfOtherInputsThanTheShardsSawIsRefused()
    {
        using var temp = new Cacophony.Tests.Support.TempDirectory();
        string[] inputs = ["a.wav", "b.wav"];
        for (int index = 0; index < 2; index++)
            ShardRole.ForPart(new Shard(index, 2), ["embed-audio", .. inputs], temp.Path).BeginPart(temp.Path, "emb.npy", inputs).Finish([inputs[index]], []);
        var parts = PartSet.Collect(temp.Path).Single();
        Assert.DoesNotThrow(() => parts.CheckCovers(inputs));
        Assert.That(Assert.Throws<ShardException>(() => parts.CheckCovers(["a.wav", "b.wav", "new.wav"]))!.Message, Does.Contain("not those the shards saw"));
    }
}
