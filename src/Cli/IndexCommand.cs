using System.CommandLine;
using Cacophony.Eval.Sharding;
using Cacophony.Model;
using Cacophony.Search;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony index build --model M DIR... --out library.cidx [--compact] [--window 10 --hop 5] [--force]</c>,
/// <c>cacophony index update --index library.cidx</c> and <c>cacophony index info --index library.cidx</c>: a
/// searchable index of a sound library (docs/SEARCH.md). Unreadable files are reported and skipped (exit 2); an
/// interrupted build or update loses only the batch in flight and is continued by running it again.
/// </summary>
static class IndexCommand
{
    public static Command Create() => new("index", "Index a sound library for `cacophony search` and `cacophony tag`.") { Build(), Update(), Info() };

    static Command Build()
    {
        var model = new ModelOption();
        var folders = new Argument<string[]>("folders") { Description = "folders of audio files (walked recursively, symlinks followed)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "the index file to write, e.g. library.cidx", Required = true };
        var compact = new Option<bool>("--compact") { Description = "int8 vectors with a scale each: a quarter of the size, for large libraries" };
        var window = new Option<double>("--window") { Description = "window length in seconds for long files", DefaultValueFactory = _ => 10 };
        var hop = new Option<double>("--hop") { Description = "hop between windows in seconds", DefaultValueFactory = _ => 5 };
        var force = new Option<bool>("--force") { Description = "delete an existing index at --out first (otherwise an interrupted build of the same folders is continued)" };
        var progress = new Option<bool>("--progress") { Description = "show progress on stderr even when it is not a terminal" };
        var shards = new ShardOptions();
        var command = new Command("build", "Embed every audio file under the folders (10 s windows every 5 s for long ones) into a new index.") { folders, output, compact, window, hop, force, progress };
        model.AddTo(command);
        shards.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string path = parse.GetValue(output)!;
            IndexOptions Settings() => Options(parse.GetValue(progress)) with
            {
                Compact = parse.GetValue(compact),
                WindowSeconds = parse.GetValue(window),
                HopSeconds = parse.GetValue(hop),
            };
            var role = shards.Role(parse);
            if (!role.IsWhole) return IndexBuildParts.Build(parse, model, role, parse.GetValue(folders)!, path, Settings);
            if (parse.GetValue(force))
            {
                if (Directory.Exists(path)) throw new ArgumentException($"{path}: is a directory, not an index file");
                File.Delete(path);
            }
            else if (File.Exists(path)) Console.Error.WriteLine($"{path} exists: continuing it (--force builds anew)");
            using var cacophony = model.Load(parse);
            var report = AudioIndex.Build(cacophony, parse.GetValue(folders)!, path, Settings());
            return Summarize(path, report);
        }));
        return command;
    }

    static Command Update()
    {
        var model = new ModelOption(optional: true);
        var index = IndexOption();
        var progress = new Option<bool>("--progress") { Description = "show progress on stderr even when it is not a terminal" };
        var command = new Command("update", "Embed new and changed files, drop deleted ones (the folders and settings are the index's own).") { index, progress };
        model.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string path = parse.GetValue(index)!;
            var header = ReadHeader(path);
            using var cacophony = model.Load(parse, header.Model.Directory, PrecisionOf(header));
            return Summarize(path, AudioIndex.Update(cacophony, path, Options(parse.GetValue(progress))));
        }));
        return command;
    }

    static Command Info()
    {
        var index = IndexOption();
        var verify = new Option<bool>("--verify") { Description = "also read every vector against its record's digest (catches damage on the disk)" };
        var command = new Command("info", "What an index holds: files, windows, model, storage, size.") { index, verify };
        command.SetAction(parse => Errors.Guard(() =>
        {
            using var opened = AudioIndex.Open(parse.GetValue(index)!);
            if (parse.GetValue(verify)) opened.Verify();
            var h = opened.Header;
            Console.WriteLine($"index: {opened.Path}");
            Console.WriteLine($"files: {opened.Files.Count}, windows: {opened.Windows} ({h.WindowSeconds:0.###} s every {h.HopSeconds:0.###} s), audio: {ProgressLine.Duration(TimeSpan.FromSeconds(opened.Files.Sum(f => f.Duration)))}");
            Console.WriteLine($"vectors: {h.Dimension}-d {(h.Vectors == VectorStorage.Int8 ? "int8 with a scale each (compact)" : "float32")}, {opened.Bytes / 1e6:0.0} MB in {opened.Records} record{(opened.Records == 1 ? "" : "s")}");
            Console.WriteLine($"model: {h.Model.Directory} (sha256 {h.Model.Sha256}, {h.Model.Precision})");
            for (int r = 0; r < h.Roots.Count; r++) Console.WriteLine($"folder: {h.Roots[r]}");
            Console.WriteLine($"created: {h.Created}");
            if (parse.GetValue(verify)) Console.WriteLine($"verified: every record matches its digest");
            if (opened.TornBytes > 0) Console.WriteLine($"note: {opened.TornBytes} bytes of an interrupted write follow the last whole record; `index update` drops them");
            return 0;
        }));
        return command;
    }

    public static Option<string> IndexOption() => new("--index") { Description = "index file made by `cacophony index build`", Required = true };

    /// <summary>The header of an index, to find its model before loading it.</summary>
    public static IndexHeader ReadHeader(string path)
    {
        using var index = AudioIndex.Open(path);
        return index.Header;
    }

    public static WeightPrecision PrecisionOf(IndexHeader header) => header.Model.Precision switch
    {
        "int8" => WeightPrecision.Int8,
        "fp16" => WeightPrecision.Float16,
        _ => WeightPrecision.Float32,
    };

    internal static IndexOptions Options(bool progressAsked)
    {
        ProgressLine? line = null;
        int shown = 0;
        return new IndexOptions
        {
            Skipped = (file, problem) => Console.Error.WriteLine($"error: {file}: {problem}"),
            Progress = new SynchronousProgress<IndexProgress>(p =>
            {
                if (p.FilesToDo == 0) return;
                line ??= new ProgressLine(p.FilesToDo, "files", ProgressLine.OnTerminalOr(progressAsked));
                line.Advance(p.FilesDone - shown);
                shown = p.FilesDone;
            }),
        };
    }

    static int Summarize(string path, IndexReport report)
    {
        double rate = (report.Embedded + report.Reused) / Math.Max(report.Elapsed.TotalSeconds, 1e-9);
        Console.Error.WriteLine($"{path}: {report.Embedded} embedded ({report.WindowsEmbedded} windows), {report.Reused} reused, {report.Unchanged} unchanged, {report.Removed} removed, "
            + $"{report.Skipped.Count} skipped; {ProgressLine.Duration(report.Elapsed)} ({rate:0.00} files/s)");
        return report.Skipped.Count == 0 ? 0 : Errors.BadInput;
    }
}

/// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
