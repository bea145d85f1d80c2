using System.CommandLine;
using Cacophony.Cli;

ShardOptions.CommandLine = args;
RootCommand? root = null;
root = new RootCommand("Cacophony: contrastive audio-text model inference in pure .NET.")
{
    ConvertCommand.Create("convert"),
    ConvertCommand.CreateQuantize(),
    InfoCommand.Create(),
    FeaturesCommand.Create(),
    EmbedAudioCommand.Create(),
    EmbedTextCommand.Create(),
    CaptionCommand.Create(),
    ClassifyCommand.Create(),
    ZeroShotCommand.Create(),
    RetrievalCommand.Create(),
    CaptionEvalCommand.Create(),
    HearCommand.Create(),
    SimilarityCommand.Create(),
    IndexCommand.Create(),
    SearchCommand.Create(),
    TagCommand.Create(),
    ServeCommand.Create(),
    TokenizeCommand.Create(),
    BenchCommand.Create(),
    MergeCommand.Create(() => root!),
};
var parse = root.Parse(args);
if (parse.Errors.Count == 0 && UnknownOptions.Find(parse) is { } unknown)
{
    string command = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Skip(1).Select(c => c.Name).Append(parse.CommandResult.Command.Name));
    Console.Error.WriteLine($"error: unknown option '{unknown}' (`cacophony {command} --help` lists the options; put `--` before a file name that starts with '-')");
    return Errors.BadInput;
}
return parse.Invoke();
