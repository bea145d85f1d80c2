using System.CommandLine;
using Cacophony.Model.Audio;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary><c>cacophony embed-audio --model DIR FILES... [--out emb.npy] [--seq-policy pad|exact] [--dump DIR]</c></summary>
static class EmbedAudioCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var files = new Argument<string[]>("files") { Description = "audio files", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "write the normalized embeddings as a float32 .npy [N, 768], rows in input order" };
        var dump = new Option<string?>("--dump") { Description = "write every intermediate per file to DIR/<file stem>/*.npy" };
        var sequence = new SequenceOptions();
        var command = new Command("embed-audio", "Embed audio files into the shared audio-text space.") { files, output, dump };
        model.AddTo(command);
        sequence.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var policy = sequence.Policy(parse);
            using var cacophony = model.Load(parse);
            var paths = parse.GetValue(files)!;
            int width = cacophony.Config.ProjectionSize;
            var embeddings = new float[paths.Length * width];
            var stems = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < paths.Length; i++)
            {
                var features = cacophony.FrontEnd.Process(AudioDecoder.Read(paths[i]), policy);
                var result = cacophony.EncodeAudio(features.Patches);
                result.Normalized.CopyTo(embeddings, i * width);
                if (parse.GetValue(dump) is { } dumpDirectory)
                    DumpDirectory.WriteAtomically(Path.Combine(dumpDirectory, FeatureDump.UniqueStem(paths[i], stems)), staging =>
                    {
                        FeatureDump.WriteFrontEnd(staging, features);
                        FeatureDump.WriteAudio(staging, result, cacophony.Config.Audio.HiddenSize);
                    });
                Console.Error.WriteLine($"[{i + 1}/{paths.Length}] {paths[i]}: {result.Patches} patches");
                if (parse.GetValue(output) is null)
                    Console.WriteLine($"{paths[i]}\t{string.Join(' ', result.Normalized.Select(v => v.ToString("G6")))}");
            }
            if (parse.GetValue(output) is { } path) WriteAtomically(path, embeddings, paths.Length, width);
            return 0;
        }));
        return command;
    }

    public static void WriteAtomically(string path, float[] rows, int count, int width)
    {
        string partial = path + ".partial";
        NpyFile.Write(partial, rows, count, width);
        File.Move(partial, path, overwrite: true);
    }
}
