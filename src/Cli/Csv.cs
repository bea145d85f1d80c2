namespace Cacophony.Cli;

/// <summary>RFC 4180 fields: quoted when they hold a comma, a quote or a line break; quotes doubled.</summary>
static class Csv
{
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";
}
