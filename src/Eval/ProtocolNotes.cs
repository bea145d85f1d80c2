namespace Cacophony.Eval;

/// <summary>
/// What a run's protocol did to its clips, for results.json and the summary: the protocol, the rate every file
/// was read at under the original protocol (null: each file's own), how many clips of this run were at another
/// rate, and how many had no patch (under 160 ms) and were encoded as the original's all-padding sequence.
/// </summary>
public sealed record ProtocolNotes(EvaluationProtocol Protocol, int? AssumedSampleRate, int ReadAtAnotherRate, int ShorterThanOnePatch)
{
    public static ProtocolNotes Of(EvaluationOptions options, string dataset, ClipLog log) =>
        new(options.Protocol, OriginalProtocol.AssumedSampleRate(options.Protocol, dataset), log.ReadAtAnotherRate, log.PaddingOnly);

    public ProtocolJson ToJson() => new(
        OriginalProtocol.Name(Protocol),
        AssumedSampleRate is int rate ? $"every file read as {rate} Hz, as the original's load_audio does" : "each file at its own rate",
        ReadAtAnotherRate,
        ShorterThanOnePatch);

    /// <summary>Lines for the summary a person reads: only what needs saying.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"protocol: {OriginalProtocol.Name(Protocol)}" + (Protocol == EvaluationProtocol.Original ? " (the original's evaluation, quirks included; --protocol corrected fixes them: docs/EVAL.md)" : "");
        if (AssumedSampleRate is int rate && ReadAtAnotherRate > 0)
            yield return $"{ReadAtAnotherRate} clips are not at {rate} Hz but were read as {rate} Hz, as the original's load_audio reads them (--protocol corrected reads each at its own rate)";
        if (ShorterThanOnePatch > 0)
            yield return $"{ShorterThanOnePatch} clips are shorter than one patch (160 ms): encoded as the original encodes them, an all-padding sequence";
    }
}
