using Cacophony.Eval;
using Cacophony.Eval.Sharding;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Cli;

/// <summary>
/// embed-audio split across machines: a shard embeds its files into its part's row log (resumable), and the merge
/// writes the shards' rows as the single run writes them, in the order of the arguments.
/// </summary>
static class EmbedAudioParts
{
    /// <summary>A shard's files into its part's row log, each flushed as it is done, so that a shard that dies resumes.</summary>
    public static void Embed(CacophonyModel cacophony, PartWriter part, List<string> paths, SequencePolicy policy, string? dump, bool showProgress)
    {
        int width = EmbedAudioCommand.Width(cacophony);
        var log = RowLog.Open(part.Directory, width);
        var bar = new ProgressLine(paths.Count, "clips", showProgress);
        var stems = new HashSet<string>(StringComparer.Ordinal);
        var note = new ShortClipNote();
        foreach (var path in paths)
        {
            if (!log.Contains(path))
                try
                {
                    log.Append(path, EmbedAudioCommand.Embed(cacophony, path, policy, dump, stems, note));
                }
                catch (Exception e) when (ClipReader.IsUnreadable(e))
                {
                    log.AppendFailure(path, e.Message);
                }
            bar.Advance();
        }
        log.Finish();
        part.Finish(paths, paths.Where(log.Failed.ContainsKey).Select(p => new FailedInput(p, log.Failed[p])).ToList(),
            new Dictionary<string, int> { [WidthCounter] = width });
    }

    const string WidthCounter = "width";

    /// <summary>The shards' rows in the order of the arguments, written as the single run writes them.</summary>
    public static int Merge(PartSet parts, string[] paths, string outPath)
    {
        parts.CheckCovers(paths);
        int width = parts.Parts[0].Manifest.Counters.TryGetValue(WidthCounter, out int w) ? w : throw new ShardException($"{parts.Target}: the parts do not say their row width");
        var rows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, directory) in parts.Parts)
        {
            var log = RowLog.Read(directory, width);
            foreach (var (input, row) in log.Rows) rows[input] = row;
            foreach (var (input, error) in log.Failed) failed[input] = error;
        }
        var kept = paths.Where(rows.ContainsKey).ToList();
        foreach (var path in paths.Where(failed.ContainsKey)) Console.Error.WriteLine($"error: {failed[path]}");
        EmbedAudioCommand.WriteRows(outPath, kept.Select(p => rows[p]).ToList(), width, kept);
        Console.Error.WriteLine($"{outPath}: {kept.Count} rows from {parts.Shards} shards");
        return EmbedAudioCommand.Summarize(paths.Length - kept.Count, paths.Length, outPath);
    }

}
