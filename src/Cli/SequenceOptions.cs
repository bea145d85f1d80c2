using System.CommandLine;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary>The audio sequence-policy options shared by `features` and `embed-audio`.</summary>
sealed class SequenceOptions
{
    readonly Option<string> _padding = new("--seq-policy") { Description = "pad: pad to --seq-len with masked zero patches (the original); exact: real patches only (same embeddings)", DefaultValueFactory = _ => "pad" };
    readonly Option<int> _length;
    readonly Option<string> _overflow = new("--overflow") { Description = "which patches to keep when a clip has more than --seq-len: random (seeded), first, indices", DefaultValueFactory = _ => "random" };
    readonly Option<int> _seed = new("--seed") { Description = "seed of the random choice", DefaultValueFactory = _ => 0 };
    readonly Option<string?> _keep = new("--keep-indices") { Description = "with --overflow indices: comma-separated patch indices, or an int32 .npy file" };

    /// <param name="defaultLength">500 for the 10 s zero-shot setting, 1500 for 30 s retrieval and captioning.</param>
    public SequenceOptions(int defaultLength = 500)
    {
        _length = new("--seq-len") { Description = "sequence length: 500 for 10 s zero-shot, 1500 for 30 s retrieval and captioning", DefaultValueFactory = _ => defaultLength };
        _padding.AcceptOnlyFromAmong("pad", "exact");
        _overflow.AcceptOnlyFromAmong("random", "first", "indices");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _padding, _length, _overflow, _seed, _keep }) command.Options.Add(option);
    }

    /// <summary>--seed: also the sampling seed of `caption --decode sample`.</summary>
    public ulong Seed(ParseResult parse) => unchecked((ulong)parse.GetValue(_seed));

    public SequencePolicy Policy(ParseResult parse)
    {
        var policy = new SequencePolicy
        {
            Padding = parse.GetValue(_padding) == "exact" ? SequencePadding.Exact : SequencePadding.Pad,
            Length = parse.GetValue(_length),
            Overflow = parse.GetValue(_overflow) switch { "first" => SequenceOverflow.First, "indices" => SequenceOverflow.Indices, _ => SequenceOverflow.Random },
            Seed = parse.GetValue(_seed),
            KeepIndices = parse.GetValue(_keep) is { } text ? ParseIndices(text) : null,
        };
        if (policy.Length <= 0) throw new ArgumentException("--seq-len must be positive");
        if (policy.Overflow == SequenceOverflow.Indices && policy.KeepIndices is null) throw new ArgumentException("--overflow indices needs --keep-indices");
        return policy;
    }

    static int[] ParseIndices(string text)
    {
        if (text.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            return NpyFile.Read(text).Int32 ?? throw new ArgumentException($"{text}: keep indices must be an integer array");
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--keep-indices: '{text}' is not a comma-separated list of integers");
        }
    }
}
