namespace Cacophony.Eval.Sharding;

/// <summary>
/// The finished parts of one sharded job, checked to fit together: every shard 0..N-1 there exactly once,
/// finished, from the same command over the same inputs, and no input covered twice. An error names the shard.
/// </summary>
public sealed class PartSet
{
    PartSet(string outputDirectory, string target, IReadOnlyList<(PartManifest Manifest, string Directory)> parts) =>
        (OutputDirectory, Target, Parts) = (outputDirectory, target, parts);

    public string OutputDirectory { get; }

    public string Target { get; }

    /// <summary>The parts in shard order, with their folders.</summary>
    public IReadOnlyList<(PartManifest Manifest, string Directory)> Parts { get; }

    /// <summary>The command the shards ran (without the shard options) and where it ran: the merge finishes it.</summary>
    public IReadOnlyList<string> Arguments => Parts[0].Manifest.Arguments;

    public string WorkingDirectory => Parts[0].Manifest.WorkingDirectory;

    public int Shards => Parts.Count;

    /// <summary>Every input the shards could not read, in shard order.</summary>
    public IEnumerable<FailedInput> Failed => Parts.SelectMany(p => p.Manifest.Failed);

    /// <summary>
    /// When the shards ran the CPU engine on different instruction sets (mixed nodes, or the AVX2 native build beside
    /// the JIT build on AVX-512 nodes), what each did: their rows agree to float32 rounding, not bit for bit, with
    /// any single run. Null when they all ran on one.
    /// </summary>
    public string? MixedInstructionSets
    {
        get
        {
            var groups = Parts.GroupBy(p => p.Manifest.InstructionSet ?? "unknown").ToList();
            return groups.Count < 2 ? null
                : string.Join("; ", groups.Select(g => $"{g.Key} on shard{(g.Count() > 1 ? "s" : "")} {string.Join(", ", g.Select(p => p.Manifest.Shard))}"));
        }
    }

    /// <summary>The sum of a counter over the parts.</summary>
    public int Sum(string counter) => Parts.Sum(p => p.Manifest.Counters.TryGetValue(counter, out int n) ? n : 0);

    /// <summary>The jobs whose parts are in <paramref name="outputDirectory"/>/parts, each checked; an error names what does not fit.</summary>
    public static IReadOnlyList<PartSet> Collect(string outputDirectory)
    {
        outputDirectory = Path.GetFullPath(outputDirectory);
        string parts = Path.Combine(outputDirectory, PartFolder.PartsDirectory);
        if (!Directory.Exists(parts)) throw new ShardException($"{outputDirectory}: no parts to merge (no {PartFolder.PartsDirectory}/ folder; a sharded run writes its parts there)");
        var folders = Directory.GetDirectories(parts).Select(d => (Directory: d, Name: PartFolder.Parse(Path.GetFileName(d))))
            .Where(f => f.Name is not null).Select(f => (f.Directory, f.Name!.Value.Target, f.Name.Value.Shard)).ToList();
        if (folders.Count == 0) throw new ShardException($"{parts}: no part folders (<target>.shard-I-of-N)");
        return folders.GroupBy(f => f.Target, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Check(outputDirectory, g.Key, g.ToList())).ToList();
    }

    static PartSet Check(string outputDirectory, string target, List<(string Directory, string Target, Shard Shard)> folders)
    {
        var counts = folders.Select(f => f.Shard.Count).Distinct().Order().ToList();
        if (counts.Count > 1)
            throw new ShardException($"{target}: parts of runs with different shard counts ({string.Join(", ", folders.Select(f => Path.GetFileName(f.Directory)).Order(StringComparer.Ordinal))}): remove the stale ones");
        int count = counts[0];
        var parts = new List<(PartManifest, string)>();
        for (int index = 0; index < count; index++)
        {
            var shard = new Shard(index, count);
            string directory = PartFolder.Of(outputDirectory, target, shard);
            var manifest = folders.Any(f => f.Shard == shard) ? PartManifest.Read(directory) : null;
            if (manifest is null)
                throw new ShardException($"{target}: shard {shard} is missing (no part in {directory}): run it");
            if (!manifest.Finished)
                throw new ShardException($"{target}: shard {shard} has not finished ({directory}): run it again, it resumes where it stopped");
            if (manifest.Shard != index || manifest.Shards != count || manifest.Target != target)
                throw new ShardException($"{directory}: its manifest says shard {manifest.Shard}/{manifest.Shards} of {manifest.Target}");
            if (parts.Count > 0 && !PartWriter.SameJob(parts[0].Item1, manifest))
                throw new ShardException($"{target}: shard {shard} ran another job than shard 0/{count} (other arguments or inputs): run it again with the same command");
            parts.Add((manifest, directory));
        }
        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (manifest, _) in parts)
            foreach (var input in manifest.Covered)
                if (!owner.TryAdd(input, manifest.Shard))
                    throw new ShardException($"{target}: {input} is in shard {owner[input]}/{count} and in shard {manifest.Shard}/{count}: the parts overlap");
        return new PartSet(outputDirectory, target, parts);
    }

    /// <summary>
    /// Checks that the parts cover exactly this job's inputs (as the merging command lists them): the same list as
    /// the shards saw, each covered once.
    /// </summary>
    public void CheckCovers(IReadOnlyList<string> jobInputs)
    {
        if (PartFolder.Digest(jobInputs) != Parts[0].Manifest.InputsSha256)
            throw new ShardException($"{Target}: the inputs are not those the shards saw ({jobInputs.Count} now, {Parts[0].Manifest.Inputs} then): the dataset or file list changed; run the shards again");
        var covered = Parts.SelectMany(p => p.Manifest.Covered).ToHashSet(StringComparer.Ordinal);
        if (jobInputs.FirstOrDefault(i => !covered.Contains(i)) is { } lost)
            throw new ShardException($"{Target}: {lost} is in no part");
    }
}
