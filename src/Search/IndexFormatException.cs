namespace Cacophony.Search;

/// <summary>An index file that cannot be used as it is: not an index, another format version, another model. The message names the file.</summary>
public sealed class IndexFormatException(string path, string problem) : IOException($"{path}: {problem}")
{
    public string Problem { get; } = problem;
}
