using System.Text;

namespace Cacophony.Eval;

/// <summary>
/// The files of one evaluation run in its output directory. Rows go to `*.partial.csv` logs, appended and
/// flushed per batch, so an interrupted run loses at most the batch in flight; `--resume` reads them back
/// (a torn last line is dropped and recomputed). Final files are written to a temporary name and renamed.
/// </summary>
public sealed class RunFiles
{
    public string Directory { get; }

    public RunFiles(string directory, bool resume)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        if (!resume)
            foreach (var partial in System.IO.Directory.GetFiles(directory, "*.partial.*")) File.Delete(partial);
    }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Complete rows of a partial log (header excluded), or none.</summary>
    public List<string[]> ReadLog(string name)
    {
        string path = PathOf(name);
        if (!File.Exists(path)) return [];
        string text = File.ReadAllText(path);
        int end = text.LastIndexOf('\n');
        if (end < 0) return [];
        var rows = Datasets.Csv.Parse(text[..(end + 1)]);
        return rows.Skip(1).ToList();
    }

    /// <summary>Appends rows to a partial log (writing its header first when new) and flushes them to disk.</summary>
    public void AppendLog(string name, string[] header, IEnumerable<string[]> rows)
    {
        string path = PathOf(name);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        if (!fresh) TrimTornLine(path);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        if (fresh) writer.Write(Datasets.Csv.Line(header) + "\n");
        foreach (var row in rows) writer.Write(Datasets.Csv.Line(row) + "\n");
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Turns a partial log into its final name once the run is complete.</summary>
    public void Finish(string partialName, string finalName)
    {
        if (File.Exists(PathOf(partialName))) File.Move(PathOf(partialName), PathOf(finalName), overwrite: true);
    }

    public void WriteAtomically(string name, string content)
    {
        string path = PathOf(name), temporary = path + ".tmp";
        File.WriteAllText(temporary, content, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    public void WriteAtomically(string name, Action<string> write)
    {
        string path = PathOf(name), temporary = path + ".tmp";
        write(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    static void TrimTornLine(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end != bytes.Length - 1)
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write)) stream.SetLength(end + 1);
    }
}
