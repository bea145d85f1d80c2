namespace Cacophony.Eval.Datasets;

/// <summary>A dataset that is not where or what its official layout says: one line naming the file.</summary>
public sealed class DatasetException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
}
