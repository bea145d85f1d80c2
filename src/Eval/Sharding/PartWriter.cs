using System.Diagnostics;

namespace Cacophony.Eval.Sharding;

/// <summary>
/// One shard's part while it is computed. Its manifest is written at the start (not finished) and, once every
/// input of the shard is done, again with what it covered; a part that already finished the same job is
/// <see cref="AlreadyFinished"/> (re-running the shard does nothing), and one that died is resumed by the
/// command from the logs it left in <see cref="Directory"/>.
/// </summary>
public sealed class PartWriter
{
    readonly PartManifest _started;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public string Directory { get; }

    /// <summary>The manifest of this shard's earlier, complete run of the same job; null when there is work to do.</summary>
    public PartManifest? AlreadyFinished { get; }

    internal PartWriter(string directory, string target, Shard shard, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyList<string> jobInputs)
    {
        Directory = directory;
        _started = new PartManifest(target, shard.Index, shard.Count, arguments, workingDirectory, jobInputs.Count, PartFolder.Digest(jobInputs),
            false, [], [], new Dictionary<string, int>(), Environment.MachineName, 0);
        if (PartManifest.Read(directory) is { } earlier)
        {
            if (!SameJob(earlier, _started))
                throw new ShardException($"{directory} holds a part of another job ({Describe(earlier)}; this one is {Describe(_started)}): remove it, or give this job another output");
            if (earlier.Finished)
            {
                AlreadyFinished = earlier;
                return;
            }
        }
        System.IO.Directory.CreateDirectory(directory);
        _started.Write(directory);
    }

    /// <summary>Seals the part: what it covered (input keys), what it could not read, and counters the merge sums.</summary>
    public PartManifest Finish(IReadOnlyList<string> covered, IReadOnlyList<FailedInput> failed, IReadOnlyDictionary<string, int>? counters = null)
    {
        var finished = _started with
        {
            Finished = true,
            Covered = covered,
            Failed = failed,
            Counters = counters ?? new Dictionary<string, int>(),
            Seconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            InstructionSet = Kernels.Cpu.Isa.Describe(Kernels.Cpu.Isa.Active),
        };
        finished.Write(Directory);
        return finished;
    }

    internal static bool SameJob(PartManifest a, PartManifest b) =>
        a.Target == b.Target && a.Shards == b.Shards && a.InputsSha256 == b.InputsSha256 && a.Arguments.SequenceEqual(b.Arguments);

    static string Describe(PartManifest m) => $"`{string.Join(' ', m.Arguments)}` as shard {m.Shard}/{m.Shards} over {m.Inputs} inputs";
}
