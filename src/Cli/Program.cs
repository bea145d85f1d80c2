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
// With no words at all, the help is what was asked for.
if (args.Length > 0 && UsageErrors.Report(parse) is { } badUsage) return badUsage;
if (parse.Errors.Count == 0 && UnknownOptions.Find(parse) is { } unknown) return UsageErrors.ReportUnknownOption(parse, unknown);
return parse.Invoke();
