namespace Cacophony.Audio;

/// <summary>An audio file that cannot be decoded; the message is one line naming the file and the problem.</summary>
public sealed class AudioFormatException(string file, string problem, Exception? inner = null)
    : Exception($"{file}: {problem}", inner)
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
