namespace Cacophony.Search;

/// <summary>A search result: the file, the window that matched (its offset in the file and length, seconds) and the cosine score.</summary>
public sealed record SearchHit(IndexedFile File, IndexWindow Window, float Score)
{
    public string Path => File.FullPath;
}

/// <summary>What a search returns.</summary>
public sealed record SearchOptions
{
    /// <summary>How many results (files, or windows with <see cref="PerWindow"/>).</summary>
    public int Top { get; init; } = 20;

    /// <summary>Results under this cosine are left out.</summary>
    public float MinScore { get; init; } = float.NegativeInfinity;

    /// <summary>False (default): one result per file, its best window. True: every window is a result of its own.</summary>
    public bool PerWindow { get; init; }

    /// <summary>Files with this content (SHA-256 of their bytes) are left out: the query's own file, under any name.</summary>
    public byte[]? ExcludeContent { get; init; }
}
