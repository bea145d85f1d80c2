using System.CommandLine;
using Cacophony.Eval.Sharding;
using Cacophony.Search;

namespace Cacophony.Cli;

/// <summary>`index build` split across machines: each shard indexes its slice of the library, the merge joins the indexes.</summary>
static class IndexBuildParts
{
    /// <summary>
    /// One shard of a build: an index of its slice of the library's files (sorted paths cut by size) in its part
    /// folder, resumed like any build; or the merge of the shards' indexes into the index a single build writes.
    /// </summary>
    public static int Build(ParseResult parse, ModelOption model, ShardRole role, string[] folders, string path, Func<IndexOptions> settings)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!, target = Path.GetFileName(path);
        foreach (var root in folders)
            if (!Directory.Exists(root)) throw new ArgumentException($"{root}: folder not found");
        // Every shard walks the library and takes its slice of the same list (the walk is deterministic).
        var library = LibraryScanner.Scan(folders);
        var inputs = library.Select(f => f.FullPath).ToList();
        if (role.MergeInto(folder, target) is { } parts)
        {
            parts.CheckCovers(inputs);
            AudioIndex.Merge(parts.Parts.Select(p => Path.Combine(p.Directory, PartIndex)).ToList(), path);
            var failures = parts.Failed.ToList();
            foreach (var failed in failures) Console.Error.WriteLine($"error: {failed.Error}");
            using var merged = AudioIndex.Open(path);
            Console.Error.WriteLine($"{path}: {merged.Files.Count} files ({merged.Windows} windows) from {parts.Shards} shards, {failures.Count} skipped");
            return failures.Count > 0 ? Errors.BadInput : 0;
        }
        var part = role.BeginPart(folder, target, inputs);
        if (part.AlreadyFinished is null)
        {
            var mine = role.Select(library, f => f.FullPath, f => f.Size);
            var chosen = mine.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);
            using var cacophony = model.Load(parse);
            var report = AudioIndex.Build(cacophony, folders, Path.Combine(part.Directory, PartIndex), settings() with
            {
                Select = files => files.Where(f => chosen.Contains(f.FullPath)).ToList(),
                Skipped = null,
            });
            // Problems of the walk itself (a folder that cannot be listed, a broken link) are every shard's; shard 0 reports them.
            part.Finish(mine.Select(f => f.FullPath).ToList(), report.Skipped.Where(s => chosen.Contains(s.Path) || role.Part!.Value.Index == 0)
                .Select(s => new FailedInput(s.Path, $"{s.Path}: {s.Problem}")).ToList());
        }
        return ShardOptions.ReportPart(part.Directory, folder);
    }

    /// <summary>A shard's index in its part folder.</summary>
    const string PartIndex = "index.cidx";
}
