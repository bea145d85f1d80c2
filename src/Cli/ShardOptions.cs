using System.CommandLine;
using Cacophony.Eval.Sharding;

namespace Cacophony.Cli;

/// <summary>
/// --shard I/N and --shards N, for the commands that can run split across machines: the shard is given, or taken
/// from a Slurm job array's or a Kubernetes Indexed Job's environment; `cacophony merge` then joins the parts.
/// </summary>
sealed class ShardOptions
{
    readonly Option<string?> _shard = new("--shard") { Description = "compute shard I of N (0-based) of this job into <output>/parts/, to be joined by `cacophony merge`; default: the task of a Slurm job array or Kubernetes Indexed Job, if any (--shard 0/1: the whole job)" };
    readonly Option<int?> _shards = new("--shards") { Description = "in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX): its number of completions, the shard count" };

    /// <summary>The command line this process was started with (a part records it, without the shard options, for the merge).</summary>
    public static IReadOnlyList<string> CommandLine { get; set; } = [];

    /// <summary>Set by `cacophony merge` while it finishes a job from its parts.</summary>
    public static PartSet? Merging { get; set; }

    public void AddTo(Command command)
    {
        command.Options.Add(_shard);
        command.Options.Add(_shards);
    }

    public ShardRole Role(ParseResult parse)
    {
        if (Merging is { } parts) return ShardRole.ForMerge(parts);
        int? shards = parse.GetValue(_shards);
        if (shards is < 1) throw new ArgumentException($"--shards must be at least 1, not {shards}");
        // --shard 0/1 asks for the whole job (inside a job array too); a scheduler's one-task array is a part.
        if (parse.GetValue(_shard) is { } text && Shard.Parse(text) is var given)
            return given.IsWhole ? ShardRole.Whole : ShardRole.ForPart(given, WithoutShardOptions(CommandLine), Environment.CurrentDirectory);
        var shard = Shard.FromEnvironment(Environment.GetEnvironmentVariable, shards);
        if (shard is null && shards is not null) throw new ArgumentException("--shards is for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX is not set here); give --shard I/N");
        return shard is { } s ? ShardRole.ForPart(s, WithoutShardOptions(CommandLine), Environment.CurrentDirectory) : ShardRole.Whole;
    }

    static List<string> WithoutShardOptions(IReadOnlyList<string> arguments)
    {
        var kept = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            string argument = arguments[i];
            if (argument is "--shard" or "--shards") { i++; continue; }
            if (argument.StartsWith("--shard=", StringComparison.Ordinal) || argument.StartsWith("--shards=", StringComparison.Ordinal)) continue;
            kept.Add(argument);
        }
        return kept;
    }

    /// <summary>What a shard's process says when its part is done (now or before); exit 2 when some inputs could not be read.</summary>
    public static int ReportPart(string partDirectory, string output)
    {
        var manifest = PartManifest.Read(partDirectory) ?? throw new ShardException($"{partDirectory}: the part has no manifest");
        foreach (var failed in manifest.Failed) Console.Error.WriteLine($"error: {failed.Error}");
        Console.WriteLine($"shard {manifest.Part} of {manifest.Target}: {manifest.Covered.Count} of {manifest.Inputs} inputs" +
            (manifest.Failed.Count > 0 ? $", {manifest.Failed.Count} unreadable" : "") + $" in {manifest.Seconds:F1} s -> {partDirectory}");
        Console.WriteLine($"  when every shard has finished: cacophony merge {output}");
        return manifest.Failed.Count == 0 ? 0 : Errors.BadInput;
    }
}
