namespace Cacophony.Weights;

/// <summary>
/// A checkpoint or model directory that cannot be used. The message is one line naming the file,
/// the tensor when there is one, and the problem: the CLI prints it as is and exits with code 2.
/// </summary>
public sealed class CheckpointException : Exception
{
    public string File { get; }
    public string? Tensor { get; }
    public string Problem { get; }

    public CheckpointException(string file, string? tensor, string problem, Exception? inner = null)
        : base(Format(file, tensor, problem), inner)
    {
        File = file;
        Tensor = tensor;
        Problem = problem;
    }

    public CheckpointException(string file, string problem, Exception? inner = null) : this(file, null, problem, inner) { }

    static string Format(string file, string? tensor, string problem) =>
        tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}";
}
