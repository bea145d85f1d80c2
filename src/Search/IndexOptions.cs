namespace Cacophony.Search;

/// <summary>How an index is built (stored in its header: an update keeps what the build chose).</summary>
public sealed record IndexOptions
{
    /// <summary>int8 vectors with a scale each (a quarter of float32's bytes) instead of float32.</summary>
    public bool Compact { get; init; }

    /// <summary>Window length for long files (the 10 s zero-shot setting).</summary>
    public double WindowSeconds { get; init; } = 10;

    /// <summary>Hop between windows of a long file.</summary>
    public double HopSeconds { get; init; } = 5;

    /// <summary>Windows the encoder takes in one batched pass; files finished by a pass are committed together.</summary>
    public int BatchWindows { get; init; } = 8;

    /// <summary>The model's identity, for a model made in memory (benchmarks); by default it is read from its directory.</summary>
    public ModelIdentity? Identity { get; init; }

    /// <summary>
    /// The files this process indexes, of all those the walk found (in the walk's order): one shard's slice when a
    /// build is split across machines. Null: all of them.
    /// </summary>
    public Func<IReadOnlyList<LibraryFile>, IReadOnlyList<LibraryFile>>? Select { get; init; }

    /// <summary>Told after every commit.</summary>
    public IProgress<IndexProgress>? Progress { get; init; }

    /// <summary>Told about each file or folder that is skipped (path, problem), as it happens.</summary>
    public Action<string, string>? Skipped { get; init; }
}

/// <summary>Where an index build or update stands: files to look at (new or changed), done so far, windows embedded.</summary>
public readonly record struct IndexProgress(int FilesDone, int FilesToDo, int WindowsEmbedded);

/// <summary>A file that could not be indexed, and why.</summary>
public sealed record SkippedFile(string Path, string Problem);

/// <summary>
/// What a build or update did: files embedded, files whose vectors were reused (only touched, or moved: same
/// content), files unchanged, entries removed (their files are gone), files skipped, windows embedded.
/// </summary>
public sealed record IndexReport(int Embedded, int Reused, int Unchanged, int Removed, IReadOnlyList<SkippedFile> Skipped, int WindowsEmbedded, bool Compacted, TimeSpan Elapsed);
