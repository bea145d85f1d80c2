using Cacophony.Eval.Sharding;

namespace Cacophony.Eval;

/// <summary>
/// An evaluation's per-clip stage in the role this process has in the job: the whole job (the log in the output
/// directory), one shard (the log in the shard's part folder, always resumed, only the shard's clips), or the
/// merge (the parts' rows adopted into the output directory's log, nothing left to encode).
/// </summary>
public sealed class ClipRun
{
    ClipRun(RunFiles files, ClipLog log, PartWriter? part, IReadOnlyList<int> indices, IReadOnlyList<(string Path, string Id)> clips) =>
        (Files, Log, Part, Indices, Clips) = (files, log, part, indices, clips);

    public RunFiles Files { get; }

    public ClipLog Log { get; }

    /// <summary>This shard's part; null for the whole job and the merge.</summary>
    public PartWriter? Part { get; }

    /// <summary>The job's index of each clip this process encodes (<see cref="Clips"/>).</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>The clips this process encodes: the job's, or its shard's.</summary>
    public IReadOnlyList<(string Path, string Id)> Clips { get; }

    /// <summary>Opens the run; null when this shard's part already finished (re-running it does nothing).</summary>
    /// <param name="target">Names the job's parts: `parts/&lt;target&gt;.shard-I-of-N`.</param>
    public static ClipRun? Open(EvaluationOptions options, string target, string logName, string[] header, IReadOnlyList<(string Path, string Id)> jobClips)
    {
        var role = options.Role;
        var ids = jobClips.Select(c => c.Id).ToList();
        PartWriter? part = role.Part is null ? null : role.BeginPart(options.OutputDirectory, target, ids);
        if (part?.AlreadyFinished is not null) return null;
        var files = new RunFiles(part?.Directory ?? options.OutputDirectory, options.Resume || part is not null);
        var log = new ClipLog(files, logName, header);
        if (role.MergeInto(options.OutputDirectory, target) is { } parts) log.Adopt(parts, ids);
        var indices = Selected(role, jobClips.Select(c => c.Path).ToList());
        return new ClipRun(files, log, part, indices, indices.Select(i => jobClips[i]).ToList());
    }

    /// <summary>How many of the job's clips (after --limit) this process goes through: its shard's, or all of them.</summary>
    public static int ClipsOfThisProcess(EvaluationOptions options, IReadOnlyList<string> clipPaths)
    {
        var paths = options.Limit is int limit ? clipPaths.Take(limit).ToList() : clipPaths;
        return Selected(options.Role, paths).Count;
    }

    /// <summary>The job's indices of the clips this process encodes: its shard's, by path and file size, or all.</summary>
    static List<int> Selected(ShardRole role, IReadOnlyList<string> paths) =>
        role.Select(Enumerable.Range(0, paths.Count).ToList(), i => paths[i], i => ShardRole.FileWeight(paths[i]));

    /// <summary>
    /// For a shard, once its clips are done: seals its part (its logs and manifest) and says so, the evaluation then
    /// having no report to compute. False for the whole job and the merge.
    /// </summary>
    public bool SealedShard()
    {
        if (Part is null) return false;
        Log.FinishPart(Part, Clips.Select(c => c.Id).ToList());
        return true;
    }
}
