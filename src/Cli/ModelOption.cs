using System.CommandLine;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary>--model DIR, required by the commands that run the network.</summary>
sealed class ModelOption
{
    readonly Option<string> _model = new("--model") { Description = "model directory written by `cacophony convert`", Required = true };

    public void AddTo(Command command) => command.Options.Add(_model);

    public CacophonyModel Load(ParseResult parse) => CacophonyModel.Load(parse.GetValue(_model)!);
}
