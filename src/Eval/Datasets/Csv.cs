using System.Text;

namespace Cacophony.Eval.Datasets;

/// <summary>RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks (Clotho captions do).</summary>
public static class Csv
{
    public static List<string[]> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetException(path, "not found");
        return Parse(File.ReadAllText(path));
    }

    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
                continue;
            }
            switch (ch)
            {
                case '"': quoted = true; any = true; break;
                case ',': row.Add(field.ToString()); field.Clear(); any = true; break;
                case '\r': break;
                case '\n':
                    if (any || field.Length > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
                    row.Clear(); field.Clear(); any = false;
                    break;
                default: field.Append(ch); any = true; break;
            }
        }
        if (any || field.Length > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
        return rows;
    }

    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    public static string Line(IEnumerable<string> fields) => string.Join(',', fields.Select(Quote));

    /// <summary>The column index of each named header column, or a one-line error naming the file.</summary>
    public static int[] Columns(string path, string[] header, params string[] names) => names.Select(name =>
    {
        int index = Array.FindIndex(header, h => h.Trim().Equals(name, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : throw new DatasetException(path, $"has no '{name}' column (header: {string.Join(",", header)})");
    }).ToArray();
}
