namespace Cacophony.Eval.Sharding;

/// <summary>
/// How this process takes part in a job: the whole job (a single run), one shard of it (writing a part), or the
/// merge of all its shards' parts into what the single run writes.
/// </summary>
public sealed class ShardRole
{
    readonly IReadOnlyList<string> _arguments;
    readonly string _workingDirectory;

    ShardRole(Shard? part, PartSet? merging, IReadOnlyList<string> arguments, string workingDirectory) =>
        (Part, Merging, _arguments, _workingDirectory) = (part, merging, arguments, workingDirectory);

    public static ShardRole Whole { get; } = new(null, null, [], "");

    /// <param name="arguments">The command line without the shard options: a part records it for the merge.</param>
    /// <remarks>Shard 0/1 is a part too (a job array of one task), so that the merge after it finds its part.</remarks>
    public static ShardRole ForPart(Shard shard, IReadOnlyList<string> arguments, string workingDirectory) =>
        new(shard, null, arguments, workingDirectory);

    public static ShardRole ForMerge(PartSet parts) => new(null, parts, [], "");

    /// <summary>The shard this process computes; null when it runs the whole job or merges.</summary>
    public Shard? Part { get; }

    /// <summary>The finished parts this process merges; null otherwise.</summary>
    public PartSet? Merging { get; }

    /// <summary>This process runs the whole job itself: neither one shard nor the merge.</summary>
    public bool IsWhole => Part is null && Merging is null;

    /// <summary>
    /// The parts to merge into <paramref name="outputDirectory"/>'s <paramref name="target"/>; null when not merging.
    /// The command being finished must write where its shards did.
    /// </summary>
    public PartSet? MergeInto(string outputDirectory, string target)
    {
        if (Merging is not { } parts) return null;
        if (parts.Target != target || Path.GetFullPath(outputDirectory) != parts.OutputDirectory)
            throw new ShardException($"{parts.Target}: the shards' command writes {target} in {Path.GetFullPath(outputDirectory)}, not in {parts.OutputDirectory}");
        return parts;
    }

    /// <summary>This shard's part folder for <paramref name="target"/> in <paramref name="outputDirectory"/>.</summary>
    public string PartDirectory(string outputDirectory, string target) =>
        PartFolder.Of(outputDirectory, target, Part ?? throw new InvalidOperationException("not a shard"));

    /// <summary>This shard's inputs: the job's inputs sorted by key and cut by weight (<see cref="ShardPlan"/>); all of them otherwise.</summary>
    public List<T> Select<T>(IReadOnlyList<T> inputs, Func<T, string> key, Func<T, double> weight) =>
        Part is { } shard ? ShardPlan.Select(inputs, key, weight, shard) : inputs.ToList();

    /// <summary>
    /// Starts (or resumes) this shard's part of a job whose inputs are <paramref name="jobInputs"/>, in the job's order.
    /// </summary>
    public PartWriter BeginPart(string outputDirectory, string target, IReadOnlyList<string> jobInputs) =>
        new(PartFolder.Of(outputDirectory, target, Part ?? throw new InvalidOperationException("not a shard")), target, Part.Value,
            _arguments, _workingDirectory, jobInputs);

    /// <summary>File size in bytes as a shard weight (0 for a file that is not there: it costs nothing to report).</summary>
    public static double FileWeight(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }
}
