using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <summary>
/// The resumable per-clip part of an evaluation: clips not yet in the log (`&lt;name&gt;.partial.csv`, first
/// column the clip id) are decoded and encoded in batches, each batch's rows appended and flushed; clips
/// that cannot be decoded go to `unreadable.partial.csv`. A resumed run reads both logs back first.
/// </summary>
public sealed class ClipLog
{
    static readonly string[] ErrorHeader = ["file", "error"];
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
            ReadAtAnotherRate += ready.ReadAtAnotherRate;
            var encoded = ready.Encode(model);
            PaddingOnly += encoded.Count(e => e.PaddingOnly);
            var batchRows = rows(ready.Indices.Select((index, k) => (index, encoded[k])).ToList()).ToList();
            _files.AppendLog(_name + ".partial.csv", _header, batchRows);
            foreach (var row in batchRows) Done[row[0]] = row;
            var errorRows = errors.Select(e => new[] { clips[e.Index].Id, e.Error }).ToList();
            _files.AppendLog("unreadable.partial.csv", ErrorHeader, errorRows);
            foreach (var row in errorRows) Failed[row[0]] = row[1];
            advanced?.Invoke(chunk.Length);
        }
    }

    /// <summary>Renames the logs to their final names once the run's results are written.</summary>
    public void Finish()
    {
        _files.Finish(_name + ".partial.csv", _name + ".csv");
        _files.Finish("unreadable.partial.csv", "unreadable.csv");
    }
}
