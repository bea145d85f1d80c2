using System.CommandLine;
using Cacophony.Eval;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Cli;

/// <summary>Options every evaluation command shares: --root, --out, --resume, --limit, --batch, --seed, --protocol, --shard.</summary>
sealed class EvaluationOptionSet
{
    public readonly Option<string> Root = new("--root") { Description = "the dataset in its official layout", Required = true };
    readonly Option<string?> _out = new("--out") { Description = "output directory (default: results/<task>-<dataset>)" };
    readonly Option<bool> _resume = new("--resume") { Description = "continue an interrupted run in --out: finished clips are not recomputed" };
    readonly Option<int?> _limit = new("--limit") { Description = "only the first N clips (a quick look)" };
    readonly Option<int> _batch = new("--batch") { Description = "clips encoded together", DefaultValueFactory = _ => 8 };
    readonly Option<int> _seed = new("--seed") { Description = "seed of the random patch subset of clips longer than the sequence (and of caption sampling)", DefaultValueFactory = _ => 0 };
    readonly Option<string> _protocol = new("--protocol") { Description = "original: the original evaluation's protocol, quirks included (the paper's numbers); corrected: its quirks fixed (docs/EVAL.md)", DefaultValueFactory = _ => "original" };

    readonly ShardOptions _shards = new();

    public EvaluationOptionSet() => _protocol.AcceptOnlyFromAmong("original", "corrected");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Root, _out, _resume, _limit, _batch, _seed, _protocol }) command.Options.Add(option);
        _shards.AddTo(command);
    }

    public EvaluationProtocol Protocol(ParseResult parse) => parse.GetValue(_protocol) == "corrected" ? EvaluationProtocol.Corrected : EvaluationProtocol.Original;

    public ulong Seed(ParseResult parse) => unchecked((ulong)parse.GetValue(_seed));

    public EvaluationOptions Read(ParseResult parse, string task, string dataset, SequencePolicy policy)
    {
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new ArgumentException($"--batch must be at least 1, not {batch}");
        if (parse.GetValue(_limit) is < 1) throw new ArgumentException("--limit must be at least 1");
        return new EvaluationOptions(parse.GetValue(_out) ?? Path.Combine("results", $"{task}-{dataset}"), parse.GetValue(_resume),
            parse.GetValue(_limit), batch, policy with { Seed = parse.GetValue(_seed) }, Protocol(parse), _shards.Role(parse));
    }

    /// <summary>What a shard's process says when it has written its part (no report: the merge computes it).</summary>
    public static int ReportPart(EvaluationOptions options, string target) =>
        ShardOptions.ReportPart(options.Role.PartDirectory(options.OutputDirectory, target), options.OutputDirectory);
}
