namespace Cacophony.Search;

/// <summary>One window of an indexed file: where it starts and how long it is, in seconds.</summary>
public readonly record struct IndexWindow(float Offset, float Duration);

/// <summary>
/// An audio file as the index knows it: its path below one of the index's roots, the size, modification time
/// and SHA-256 of its bytes when it was embedded, its duration, and its windows (one for a file up to a window
/// long; overlapping ones, each with its offset, for a longer one).
/// </summary>
public sealed record IndexedFile
{
    /// <summary>Which of the index's roots it is under.</summary>
    public required int Root { get; init; }

    /// <summary>Its path relative to that root, '/'-separated, as the walk found it (through symlinks).</summary>
    public required string RelativePath { get; init; }

    /// <summary>Its path on this machine: the root's path (resolved when the index was opened) and the relative path.</summary>
    public string FullPath => RootPath is null ? RelativePath : Path.Combine(RootPath, RelativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Where its root is on this machine; shared by every file of the root, so that a million entries do not hold a million full paths.</summary>
    internal string? RootPath { get; init; }

    public required long Size { get; init; }
    public required long ModifiedTicks { get; init; }

    /// <summary>SHA-256 of the file's bytes (32 bytes).</summary>
    public required byte[] ContentHash { get; init; }

    public required double Duration { get; init; }
    public required IReadOnlyList<IndexWindow> Windows { get; init; }

    /// <summary>The key entries replace each other by: root and relative path.</summary>
    internal string Key => Root + ":" + RelativePath;
}
