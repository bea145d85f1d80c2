using System.CommandLine;
using Cacophony.Cli;
using Cacophony.Tools.ConvertCheckpoint;

var root = new RootCommand("Cacophony: contrastive audio-text model inference in pure .NET.")
{
    ConvertCommand.Create("convert"),
    InfoCommand.Create(),
    FeaturesCommand.Create(),
    EmbedAudioCommand.Create(),
    EmbedTextCommand.Create(),
    CaptionCommand.Create(),
    ZeroShotCommand.Create(),
    RetrievalCommand.Create(),
    CaptionEvalCommand.Create(),
    HearCommand.Create(),
    SimilarityCommand.Create(),
    TokenizeCommand.Create(),
    BenchCommand.Create(),
};
return root.Parse(args).Invoke();
