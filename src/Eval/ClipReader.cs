using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <summary>Decodes and prepares clips for a batch; an unreadable one becomes an error row instead of ending the run.</summary>
public static class ClipReader
{
    /// <param name="assumedRate">Read every file as if at this rate, whatever its header says (the original protocol's
    /// load_audio); null: each file at its own rate.</param>
    public static (ClipBatch Ready, List<(int Index, string Error)> Failed) Prepare(
        IReadOnlyList<string> paths, IEnumerable<int> indices, SequencePolicy policy, int? assumedRate = null)
    {
        var ready = new ClipBatch(policy);
        var failed = new List<(int, string)>();
        foreach (int i in indices)
        {
            try
            {
                var audio = AudioDecoder.Read(paths[i]);
                if (assumedRate is int rate && audio.SampleRate != rate)
                {
                    audio = audio with { SampleRate = rate };
                    ready.ReadAtAnotherRate++;
                }
                ready.Add(i, audio);
            }
            catch (Exception e) when (IsUnreadable(e))
            {
                failed.Add((i, e.Message));
            }
        }
        return (ready, failed);
    }

    /// <summary>The failures that make one file unreadable (reported and skipped), as opposed to faults of the run.</summary>
    public static bool IsUnreadable(Exception e) => e is AudioFormatException or IOException or UnauthorizedAccessException or InvalidDataException;
}
