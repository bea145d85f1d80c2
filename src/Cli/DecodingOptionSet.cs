using System.CommandLine;
using Cacophony.Model.Captioning;

namespace Cacophony.Cli;

/// <summary>The caption decoding options shared by `caption` and `caption-eval`.</summary>
sealed class DecodingOptionSet
{
    readonly Option<string> _decode = new("--decode") { Description = "greedy (reproducible), sample (seeded with --seed), or beam", DefaultValueFactory = _ => "greedy" };
    readonly Option<float> _temperature = new("--temperature") { Description = "sampling temperature (the original: 0.1)", DefaultValueFactory = _ => 0.1f };
    readonly Option<int> _topK = new("--top-k") { Description = "sample among the k most likely tokens (0: all)", DefaultValueFactory = _ => 0 };
    readonly Option<float> _topP = new("--top-p") { Description = "sample among the most likely tokens reaching probability p (1: all)", DefaultValueFactory = _ => 1f };
    readonly Option<int> _beams = new("--beams") { Description = "beam count of --decode beam", DefaultValueFactory = _ => 3 };
    readonly Option<float> _lengthPenalty = new("--length-penalty") { Description = "beam scores are log p / length^penalty", DefaultValueFactory = _ => 1f };
    readonly Option<bool> _earlyStopping = new("--early-stopping") { Description = "stop a beam search once it has --beams finished captions" };
    readonly Option<int?> _maxTokens = new("--max-tokens") { Description = "tokens generated at most after <s> (</s> included); default 99 as the original (100 with caption-eval --protocol corrected)" };

    public DecodingOptionSet() => _decode.AcceptOnlyFromAmong("greedy", "sample", "beam");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _decode, _temperature, _topK, _topP, _beams, _lengthPenalty, _earlyStopping, _maxTokens }) command.Options.Add(option);
    }

    /// <param name="defaultMaxTokens">--max-tokens when not given: the protocol's caption length.</param>
    public DecodingOptions Read(ParseResult parse, ulong seed, int defaultMaxTokens = Eval.OriginalProtocol.CaptionTokens)
    {
        var options = new DecodingOptions
        {
            Strategy = parse.GetValue(_decode) switch { "sample" => DecodingStrategy.Sample, "beam" => DecodingStrategy.Beam, _ => DecodingStrategy.Greedy },
            Temperature = parse.GetValue(_temperature),
            TopK = parse.GetValue(_topK),
            TopP = parse.GetValue(_topP),
            Seed = seed,
            Beams = parse.GetValue(_beams),
            LengthPenalty = parse.GetValue(_lengthPenalty),
            EarlyStopping = parse.GetValue(_earlyStopping),
            MaxTokens = parse.GetValue(_maxTokens) ?? defaultMaxTokens,
        };
        options.Validate();
        return options;
    }
}
