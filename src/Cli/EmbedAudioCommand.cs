using System.CommandLine;
using Cacophony.Audio;
using Cacophony.Eval;
using Cacophony.Eval.Sharding;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Search;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony embed-audio --model DIR FILES|FOLDERS... [--out emb.npy] [--seq-policy pad|exact] [--dump DIR] [--progress]</c>.
/// An unreadable file is reported on stderr and skipped, the others are embedded, and the exit code is then 2;
/// since skipped files shift the rows, <c>--out X.npy</c> also writes <c>X.files.txt</c>, the file of each row.
/// Sharded (--shard I/N, or a Slurm array / Kubernetes Indexed Job task), each shard embeds its slice of the sorted
/// files into X's folder/parts/X.shard-I-of-N, and <c>cacophony merge</c> writes X in the arguments' order.
/// </summary>
static class EmbedAudioCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var files = new Argument<string[]>("files") { Description = "audio files, or folders of them (walked recursively)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "write the normalized embeddings as a float32 .npy [N, 768] and the file of each row to X.files.txt" };
        var dump = new Option<string?>("--dump") { Description = "write every intermediate per file to DIR/<file stem>/*.npy" };
        var progress = new Option<bool>("--progress") { Description = "show progress on stderr even when it is not a terminal" };
        var sequence = new SequenceOptions();
        var shards = new ShardOptions();
        var command = new Command("embed-audio", "Embed audio files into the shared audio-text space.") { files, output, dump, progress };
        model.AddTo(command);
        sequence.AddTo(command);
        shards.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var policy = sequence.Policy(parse);
            // A folder stands for the audio files under it (walked as `index build` walks a library).
            var paths = parse.GetValue(files)!.SelectMany(f => Directory.Exists(f)
                ? LibraryScanner.Scan([f], (path, problem) => Console.Error.WriteLine($"error: {path}: {problem}")).Select(l => Path.Combine(f, l.RelativePath))
                : [f]).ToArray();
            string? outPath = parse.GetValue(output);
            if (parse.GetValue(dump) is { } dumpFolder) OutputPlace.CheckFolder(dumpFolder);
            var role = shards.Role(parse);
            if (!role.IsWhole)
            {
                if (outPath is null) throw new ArgumentException("--out X.npy: a sharded embed-audio writes its parts beside X (X's folder/parts/) and `cacophony merge` writes X");
                string folder = Path.GetDirectoryName(Path.GetFullPath(outPath))!, target = Path.GetFileName(outPath);
                if (role.MergeInto(folder, target) is { } parts) return EmbedAudioParts.Merge(parts, paths, outPath);
                var part = role.BeginPart(folder, target, paths);
                if (part.AlreadyFinished is null)
                {
                    using var shardModel = model.Load(parse);
                    EmbedAudioParts.Embed(shardModel, part, role.Select(paths.Distinct(StringComparer.Ordinal).ToList(), p => p, ShardRole.FileWeight), policy, parse.GetValue(dump),
                        ProgressLine.OnTerminalOr(parse.GetValue(progress)));
                }
                return ShardOptions.ReportPart(part.Directory, folder);
            }
            if (outPath is not null) OutputPlace.CheckFile(outPath);
            using var cacophony = model.Load(parse);
            int width = Width(cacophony);
            var rows = new List<float[]>(paths.Length);
            var rowFiles = new List<string>(paths.Length);
            var stems = new HashSet<string>(StringComparer.Ordinal);
            var bar = new ProgressLine(paths.Length, "clips", ProgressLine.OnTerminalOr(parse.GetValue(progress)));
            var note = new ShortClipNote();
            int failures = 0;
            foreach (var path in paths)
            {
                float[] embedding;
                try
                {
                    embedding = Embed(cacophony, path, policy, parse.GetValue(dump), stems, note);
                }
                catch (Exception e) when (ClipReader.IsUnreadable(e))
                {
                    // One unreadable file is reported and skipped; the others are still embedded.
                    Console.Error.WriteLine($"error: {e.Message}");
                    failures++;
                    bar.Advance();
                    continue;
                }
                rows.Add(embedding);
                rowFiles.Add(path);
                if (outPath is null)
                    Console.WriteLine($"{path}\t{string.Join(' ', embedding.Select(v => v.ToString("G6")))}");
                bar.Advance();
            }
            if (outPath is not null) WriteRows(outPath, rows, width, rowFiles);
            return Summarize(failures, paths.Length, outPath);
        }));
        return command;
    }

    internal static int Width(CacophonyModel model) => model.IsAudioMae ? model.Config.Audio.HiddenSize : model.Config.ProjectionSize;

    /// <summary>One file's row: the normalized embedding (the unnormalized one for AudioMAE), its intermediates dumped when asked.</summary>
    internal static float[] Embed(CacophonyModel cacophony, string path, SequencePolicy policy, string? dumpDirectory, HashSet<string> stems, ShortClipNote note)
    {
        // With --dump the CPU front end's intermediates are kept; otherwise the model runs the front end on its backend.
        var features = dumpDirectory is not null ? cacophony.FrontEnd.ProcessFile(path, policy) : null;
        var result = features is null ? cacophony.EncodeAudioFile(path, policy, out features) : cacophony.EncodeAudio(features.Patches);
        if (features is { Streamed: true })
            Console.Error.WriteLine($"note: {path} is longer than {AudioFrontEnd.LongClipSamples / 16000 / 60} minutes: streamed through the front end (resampling: {features.Resampler}); its waveform and mel are not kept");
        note.Check(path, result);
        if (dumpDirectory is not null)
            DumpDirectory.WriteAtomically(Path.Combine(dumpDirectory, FeatureDump.UniqueStem(path, stems)), staging =>
            {
                FeatureDump.WriteFrontEnd(staging, features!);
                FeatureDump.WriteAudio(staging, result, cacophony.Config.Audio.HiddenSize);
            });
        return cacophony.IsAudioMae ? result.Unnormalized : result.Normalized;
    }

    internal static int Summarize(int failures, int files, string? outPath)
    {
        // The error lines name each file; a count helps only when there were several.
        if (failures > 0 && files > 1)
            Console.Error.WriteLine($"{failures} of {files} files could not be read (above) and have no row{(outPath is null ? "" : $"; {RowsFile(outPath)} names the file of each row")}");
        return failures == 0 ? 0 : Errors.BadInput;
    }

    /// <summary>X.npy -> X.files.txt: which input each row of the .npy is.</summary>
    public static string RowsFile(string npyPath) => Path.ChangeExtension(npyPath, ".files.txt");

    /// <summary>The rows as a float32 .npy [count, width] and their sources, one a line, each written atomically.</summary>
    public static void WriteRows(string path, IReadOnlyList<float[]> rows, int width, IReadOnlyList<string> sources)
    {
        var values = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(values, i * width);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string partial = path + ".partial";
        NpyFile.Write(partial, values, rows.Count, width);
        File.Move(partial, path, overwrite: true);
        string list = RowsFile(path), listPartial = list + ".partial";
        File.WriteAllLines(listPartial, sources);
        File.Move(listPartial, list, overwrite: true);
    }
}
