using System.Runtime.InteropServices;
using System.Text;

namespace Cacophony.Eval.Sharding;

/// <summary>
/// A shard's log of float rows keyed by input, appended as they are computed so that a shard that dies resumes:
/// `rows.partial.f32` (the rows, float32, one after another) and `rows.partial.tsv` (per line: `ok`, the input;
/// or `error`, the input, the reason). A row is flushed before its line, so a line always has its row; on
/// opening, rows without a line (the process died between the two) are cut off. Finished, the two files take
/// their final names (rows.f32, rows.tsv).
/// </summary>
public sealed class RowLog
{
    const string RowsFile = "rows.f32", LinesFile = "rows.tsv", Partial = ".partial";
    readonly string _directory;
    readonly int _width;

    /// <summary>The row of each input done, by input.</summary>
    public Dictionary<string, float[]> Rows { get; } = new(StringComparer.Ordinal);

    /// <summary>Inputs that could not be read, with the reason.</summary>
    public Dictionary<string, string> Failed { get; } = new(StringComparer.Ordinal);

    RowLog(string directory, int width) => (_directory, _width) = (directory, width);

    /// <summary>Opens (or resumes) the log of rows of <paramref name="width"/> floats in a part folder.</summary>
    public static RowLog Open(string directory, int width)
    {
        var log = new RowLog(directory, width);
        string rows = Path.Combine(directory, RowsFile + Partial), lines = Path.Combine(directory, LinesFile + Partial);
        if (!File.Exists(rows) || !File.Exists(lines)) return log;
        log.Load(rows, lines, resuming: true);
        return log;
    }

    /// <summary>A finished part's rows, as the merge reads them.</summary>
    public static RowLog Read(string directory, int width)
    {
        var log = new RowLog(directory, width);
        string rows = Path.Combine(directory, RowsFile), lines = Path.Combine(directory, LinesFile);
        if (!File.Exists(rows) || !File.Exists(lines)) throw new ShardException($"{directory}: the finished part has no {RowsFile} and {LinesFile}");
        log.Load(rows, lines, resuming: false);
        return log;
    }

    void Load(string rowsPath, string linesPath, bool resuming)
    {
        var text = File.ReadAllText(linesPath, Encoding.UTF8);
        int end = text.LastIndexOf('\n') + 1;
        var lines = text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t').Select(Unescape).ToArray()).ToList();
        long rowBytes = (long)_width * sizeof(float);
        long row = 0, available = new FileInfo(rowsPath).Length / rowBytes;
        int kept = 0;
        using (var stream = new FileStream(rowsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            foreach (var line in lines)
            {
                if (line[0] == "ok" && line.Length == 2)
                {
                    if (row >= available) break;
                    var values = new float[_width];
                    stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
                    Rows[line[1]] = values;
                    row++;
                }
                else if (line[0] == "error" && line.Length == 3) Failed[line[1]] = line[2];
                else throw new ShardException($"{linesPath}: line {kept + 1} is not a row log line");
                kept++;
            }
        if (!resuming) return;
        // Cut what the last process left half written: rows past the last line, a torn line.
        using (var stream = new FileStream(rowsPath, FileMode.Open, FileAccess.Write)) stream.SetLength(row * rowBytes);
        File.WriteAllText(linesPath, string.Concat(lines.Take(kept).Select(l => string.Join('\t', l.Select(Escape)) + "\n")), new UTF8Encoding(false));
    }

    public bool Contains(string input) => Rows.ContainsKey(input) || Failed.ContainsKey(input);

    public void Append(string input, float[] row)
    {
        if (row.Length != _width) throw new ArgumentException($"a row of {row.Length} values in a log of {_width}");
        AppendBytes(RowsFile + Partial, MemoryMarshal.AsBytes(row.AsSpan()));
        AppendBytes(LinesFile + Partial, Encoding.UTF8.GetBytes($"ok\t{Escape(input)}\n"));
        Rows[input] = row;
    }

    public void AppendFailure(string input, string error)
    {
        AppendBytes(RowsFile + Partial, []);
        AppendBytes(LinesFile + Partial, Encoding.UTF8.GetBytes($"error\t{Escape(input)}\t{Escape(error)}\n"));
        Failed[input] = error;
    }

    /// <summary>Gives the logs their final names: the part's rows are complete.</summary>
    public void Finish()
    {
        foreach (var name in new[] { RowsFile, LinesFile })
        {
            string partial = Path.Combine(_directory, name + Partial);
            if (!File.Exists(partial)) File.WriteAllBytes(partial, []);
            File.Move(partial, Path.Combine(_directory, name), overwrite: true);
        }
    }

    void AppendBytes(string name, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(Path.Combine(_directory, name), FileMode.Append, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    static string Unescape(string text)
    {
        if (!text.Contains('\\')) return text;
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length) { result.Append(text[i]); continue; }
            result.Append(text[++i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', var c => c });
        }
        return result.ToString();
    }
}
