namespace Cacophony.Eval;

/// <summary>
/// Which protocol an evaluation follows. The paper's numbers come from the original evaluation code with its
/// quirks; <see cref="Original"/> reproduces them (the default), <see cref="Corrected"/> fixes them. docs/EVAL.md
/// lists each difference.
/// </summary>
public enum EvaluationProtocol
{
    /// <summary>
    /// As the original's eval_caco: every file is read as if at its dataset's configured rate; a caption shared by
    /// several clips counts, in text-to-audio retrieval, only for the last clip listed with it; captions stop
    /// after 99 tokens.
    /// </summary>
    Original,

    /// <summary>Each file at its own rate; each caption credited to its own clip; captions of up to 100 tokens.</summary>
    Corrected,
}

/// <summary>The original evaluation code's constants that differ from the corrected protocol.</summary>
public static class OriginalProtocol
{
    /// <summary>
    /// The original decodes while index &lt; max_length - 1 with max_length 100: &lt;s&gt; and at most 99 tokens.
    /// </summary>
    public const int CaptionTokens = 99;

    /// <summary>The corrected protocol's caption length: 100 tokens after &lt;s&gt;, the length the original meant.</summary>
    public const int CorrectedCaptionTokens = 100;

    /// <summary>
    /// The sampling_rate of the original's eval_dataset_configs, which its load_audio(path, rate) takes as every
    /// file's rate: it resamples by 16000 / rate whatever the file's header says (not at all for 16000).
    /// </summary>
    public static int SampleRateOf(string dataset) => dataset switch
    {
        "esc50" or "us8k" or "tut2017" => 44100,
        "vggsound" => 48000,
        "clotho" or "audiocaps" => 16000,
        _ => throw new ArgumentException($"the original evaluation has no configured sample rate for '{dataset}'"),
    };

    /// <summary>The rate every file of a dataset is read at under a protocol: the configured one (original), or null for each file's own.</summary>
    public static int? AssumedSampleRate(EvaluationProtocol protocol, string dataset) =>
        protocol == EvaluationProtocol.Original ? SampleRateOf(dataset) : null;

    public static string Name(EvaluationProtocol protocol) => protocol.ToString().ToLowerInvariant();
}
