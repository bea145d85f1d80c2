using Cacophony.Eval.Sharding;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <summary>
/// The resumable per-clip part of an evaluation: clips not yet in the log (`&lt;name&gt;.partial.csv`, first
/// column the clip id) are decoded and encoded in batches, each batch's rows appended and flushed; clips
/// that cannot be decoded go to `unreadable.partial.csv`, and each batch's protocol counts to
/// `counters.partial.csv`. A resumed run reads all three back first.
/// </summary>
public sealed class ClipLog
{
    static readonly string[] ErrorHeader = ["file", "error"];
    static readonly string[] CounterHeader = ["clips", ReadAtAnotherRateCounter, PaddingOnlyCounter];
    const string ReadAtAnotherRateCounter = "read_at_another_rate", PaddingOnlyCounter = "padding_only";
    readonly RunFiles _files;
    readonly string _name;
    readonly string[] _header;

    /// <summary>Logged rows by clip id (this run's and a resumed run's).</summary>
    public Dictionary<string, string[]> Done { get; }

    /// <summary>Clips that could not be decoded, with the reason.</summary>
    public Dictionary<string, string> Failed { get; }

    public ClipLog(RunFiles files, string name, string[] header)
    {
        (_files, _name, _header) = (files, name, header);
        Done = files.ReadLog(name + ".partial.csv").Where(r => r.Length == header.Length).ToDictionary(r => r[0], r => r);
        Failed = files.ReadLog("unreadable.partial.csv").Where(r => r.Length == 2).ToDictionary(r => r[0], r => r[1]);
        foreach (var row in files.ReadLog("counters.partial.csv").Where(r => r.Length == CounterHeader.Length))
        {
            ReadAtAnotherRate += int.Parse(row[1]);
            PaddingOnly += int.Parse(row[2]);
        }
    }

    /// <summary>Clips of this run read at an assumed rate other than their own (see <see cref="ClipReader.Prepare"/>).</summary>
    public int ReadAtAnotherRate { get; private set; }

    /// <summary>Clips of this run that had no patch (under 160 ms), encoded as the original's all-padding sequence.</summary>
    public int PaddingOnly { get; private set; }

    /// <param name="assumedRate">Read every file as if at this rate (the original protocol); null: each at its own.</param>
    public void Process(CacophonyModel model, IReadOnlyList<(string Path, string Id)> clips, SequencePolicy policy, int batchSize,
        Func<IReadOnlyList<(int Index, AudioEmbedding Audio)>, IEnumerable<string[]>> rows, Action<int>? advanced, int? assumedRate = null)
    {
        var todo = Enumerable.Range(0, clips.Count).Where(i => !Done.ContainsKey(clips[i].Id) && !Failed.ContainsKey(clips[i].Id)).ToList();
        advanced?.Invoke(clips.Count - todo.Count);
        var paths = clips.Select(c => c.Path).ToList();
        foreach (var chunk in todo.Chunk(Math.Max(1, batchSize)))
        {
            var (ready, errors) = ClipReader.Prepare(paths, chunk, policy, assumedRate);
            var encoded = ready.Encode(model);
            int paddingOnly = encoded.Count(e => e.PaddingOnly);
            var batchRows = rows(ready.Indices.Select((index, k) => (index, encoded[k])).ToList()).ToList();
            _files.AppendLog(_name + ".partial.csv", _header, batchRows);
            foreach (var row in batchRows) Done[row[0]] = row;
            var errorRows = errors.Select(e => new[] { clips[e.Index].Id, e.Error }).ToList();
            _files.AppendLog("unreadable.partial.csv", ErrorHeader, errorRows);
            foreach (var row in errorRows) Failed[row[0]] = row[1];
            // Counted once the batch's rows are down, so that a resumed run counts each clip once.
            _files.AppendLog("counters.partial.csv", CounterHeader, [[$"{chunk.Length}", $"{ready.ReadAtAnotherRate}", $"{paddingOnly}"]]);
            ReadAtAnotherRate += ready.ReadAtAnotherRate;
            PaddingOnly += paddingOnly;
            advanced?.Invoke(chunk.Length);
        }
    }

    /// <summary>
    /// Takes the rows of a sharded run's finished parts as if this run had computed them: appended in the job's
    /// clip order (the order a single run logs them in), with the parts' protocol counts.
    /// </summary>
    public void Adopt(PartSet parts, IReadOnlyList<string> jobClipIds)
    {
        parts.CheckCovers(jobClipIds);
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, directory) in parts.Parts)
        {
            var part = new RunFiles(directory, resume: true);
            foreach (var row in part.ReadLog(_name + ".csv").Where(r => r.Length == _header.Length)) rows[row[0]] = row;
            foreach (var row in part.ReadLog("unreadable.csv").Where(r => r.Length == 2)) errors[row[0]] = row[1];
        }
        if (jobClipIds.Count == 0) return;
        _files.AppendLog(_name + ".partial.csv", _header, jobClipIds.Where(rows.ContainsKey).Select(id => rows[id]));
        _files.AppendLog("unreadable.partial.csv", ErrorHeader, jobClipIds.Where(errors.ContainsKey).Select(id => new[] { id, errors[id] }));
        foreach (var id in jobClipIds)
        {
            if (rows.TryGetValue(id, out var row)) Done[id] = row;
            else if (errors.TryGetValue(id, out var error)) Failed[id] = error;
        }
        ReadAtAnotherRate += parts.Sum(ReadAtAnotherRateCounter);
        PaddingOnly += parts.Sum(PaddingOnlyCounter);
    }

    /// <summary>Renames the logs to their final names once the run's results are written.</summary>
    public void Finish()
    {
        _files.Finish(_name + ".partial.csv", _name + ".csv");
        _files.Finish("unreadable.partial.csv", "unreadable.csv");
        File.Delete(_files.PathOf("counters.partial.csv"));
    }

    /// <summary>Seals a shard's part: its logs under their final names in the part folder, and its manifest.</summary>
    public PartManifest FinishPart(PartWriter part, IReadOnlyList<string> shardClipIds)
    {
        Finish();
        var failed = shardClipIds.Where(Failed.ContainsKey).Select(id => new FailedInput(id, Failed[id])).ToList();
        return part.Finish(shardClipIds, failed, new Dictionary<string, int> { [ReadAtAnotherRateCounter] = ReadAtAnotherRate, [PaddingOnlyCounter] = PaddingOnly });
    }
}
