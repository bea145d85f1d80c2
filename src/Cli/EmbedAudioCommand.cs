using System.CommandLine;
using Cacophony.Audio;
using Cacophony.Eval;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony embed-audio --model DIR FILES... [--out emb.npy] [--seq-policy pad|exact] [--dump DIR] [--progress]</c>.
/// An unreadable file is reported on stderr and skipped, the others are embedded, and the exit code is then 2;
/// since skipped files shift the rows, <c>--out X.npy</c> also writes <c>X.files.txt</c>, the file of each row.
/// </summary>
static class EmbedAudioCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var files = new Argument<string[]>("files") { Description = "audio files", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "write the normalized embeddings as a float32 .npy [N, 768] and the file of each row to X.files.txt" };
        var dump = new Option<string?>("--dump") { Description = "write every intermediate per file to DIR/<file stem>/*.npy" };
        var progress = new Option<bool>("--progress") { Description = "show progress on stderr even when it is not a terminal" };
        var sequence = new SequenceOptions();
        var command = new Command("embed-audio", "Embed audio files into the shared audio-text space.") { files, output, dump, progress };
        model.AddTo(command);
        sequence.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var policy = sequence.Policy(parse);
            using var cacophony = model.Load(parse);
            var paths = parse.GetValue(files)!;
            string? outPath = parse.GetValue(output);
            int width = cacophony.IsAudioMae ? cacophony.Config.Audio.HiddenSize : cacophony.Config.ProjectionSize;
            var rows = new List<float[]>(paths.Length);
            var rowFiles = new List<string>(paths.Length);
            var stems = new HashSet<string>(StringComparer.Ordinal);
            var bar = new ProgressLine(paths.Length, "clips", ProgressLine.OnTerminalOr(parse.GetValue(progress)));
            var note = new ShortClipNote();
            int failures = 0;
            foreach (var path in paths)
            {
                // With --dump the CPU front end's intermediates are kept; otherwise the model runs the front end on its backend.
                bool dumping = parse.GetValue(dump) is not null;
                AudioFeatures? features;
                AudioEmbedding result;
                try
                {
                    features = dumping ? cacophony.FrontEnd.ProcessFile(path, policy) : null;
                    result = features is null ? cacophony.EncodeAudioFile(path, policy, out features) : cacophony.EncodeAudio(features.Patches);
                }
                catch (Exception e) when (ClipReader.IsUnreadable(e))
                {
                    // One unreadable file is reported and skipped; the others are still embedded.
                    Console.Error.WriteLine($"error: {e.Message}");
                    failures++;
                    bar.Advance();
                    continue;
                }
                if (features is { Streamed: true })
                    Console.Error.WriteLine($"note: {path} is longer than {AudioFrontEnd.LongClipSamples / 16000 / 60} minutes: streamed through the front end (resampling: {features.Resampler}); its waveform and mel are not kept");
                note.Check(path, result);
                var embedding = cacophony.IsAudioMae ? result.Unnormalized : result.Normalized;
                rows.Add(embedding);
                rowFiles.Add(path);
                if (parse.GetValue(dump) is { } dumpDirectory)
                    DumpDirectory.WriteAtomically(Path.Combine(dumpDirectory, FeatureDump.UniqueStem(path, stems)), staging =>
                    {
                        FeatureDump.WriteFrontEnd(staging, features!);
                        FeatureDump.WriteAudio(staging, result, cacophony.Config.Audio.HiddenSize);
                    });
                if (outPath is null)
                    Console.WriteLine($"{path}\t{string.Join(' ', embedding.Select(v => v.ToString("G6")))}");
                bar.Advance();
            }
            if (outPath is not null) WriteRows(outPath, rows, width, rowFiles);
            // The error lines name each file; a count helps only when there were several.
            if (failures > 0 && paths.Length > 1)
                Console.Error.WriteLine($"{failures} of {paths.Length} files could not be read (above) and have no row{(outPath is null ? "" : $"; {RowsFile(outPath)} names the file of each row")}");
            return failures == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    /// <summary>X.npy -> X.files.txt: which input each row of the .npy is.</summary>
    public static string RowsFile(string npyPath) => Path.ChangeExtension(npyPath, ".files.txt");

    /// <summary>The rows as a float32 .npy [count, width] and their sources, one a line, each written atomically.</summary>
    public static void WriteRows(string path, IReadOnlyList<float[]> rows, int width, IReadOnlyList<string> sources)
    {
        var values = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(values, i * width);
        string partial = path + ".partial";
        NpyFile.Write(partial, values, rows.Count, width);
        File.Move(partial, path, overwrite: true);
        string list = RowsFile(path), listPartial = list + ".partial";
        File.WriteAllLines(listPartial, sources);
        File.Move(listPartial, list, overwrite: true);
    }
}
