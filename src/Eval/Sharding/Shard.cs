using System.Globalization;

namespace Cacophony.Eval.Sharding;

/// <summary>
/// One part of a job split across machines: shard <see cref="Index"/> of <see cref="Count"/> (0-based), from
/// `--shard I/N` or from the scheduler's environment (a Slurm job array, a Kubernetes Indexed Job).
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole job in one process.</summary>
    public static Shard Whole => new(0, 1);

    public bool IsWhole => Count == 1;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>"I/N", 0 &lt;= I &lt; N; a malformed value is an <see cref="ArgumentException"/> naming --shard.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1 && index < count)
            return new Shard(index, count);
        throw new ArgumentException($"--shard must be I/N with 0 <= I < N (e.g. 3/8), not \"{text}\"");
    }

    /// <summary>
    /// The shard the scheduler gave this process (when --shard is not given): a Slurm job array
    /// (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or with SLURM_ARRAY_TASK_MIN/MAX for arrays that do not
    /// start at 0), or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with <paramref name="shards"/> from --shards N).
    /// Null when neither is there: the whole job.
    /// </summary>
    public static Shard? FromEnvironment(Func<string, string?> environment, int? shards = null)
    {
        int? Number(string name)
        {
            string? value = environment(name);
            if (value is null) return null;
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
                : throw new ArgumentException($"{name}={value} is not a task number");
        }
        if (Number("SLURM_ARRAY_TASK_ID") is { } task)
        {
            int min = Number("SLURM_ARRAY_TASK_MIN") ?? 0;
            int count = Number("SLURM_ARRAY_TASK_COUNT") ?? (Number("SLURM_ARRAY_TASK_MAX") is { } max ? max - min + 1
                : throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX: cannot tell how many shards there are"));
            return Checked(task - min, count, "the Slurm array");
        }
        if (Number("JOB_COMPLETION_INDEX") is { } completion)
            return Checked(completion, shards ?? throw new ArgumentException("JOB_COMPLETION_INDEX is set: give the Indexed Job's completions as --shards N"), "the Kubernetes Indexed Job");
        return null;
    }

    static Shard Checked(int index, int count, string source) =>
        count >= 1 && index >= 0 && index < count ? new Shard(index, count)
        : throw new ArgumentException($"{source} gives task {index} of {count}: not a shard (0 <= I < N)");
}
