using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Cacophony.Cli;

/// <summary>
/// A command line that does not parse (a required option left out, a value that is not one of its choices, a word
/// that names no command, an unknown option) is bad input like any other: one line a problem on stderr, saying
/// where the options are listed, and exit code 2. System.CommandLine's own answer, the whole help on stdout and
/// exit code 1, buries the problem under the option list and puts text where a pipe expects results.
/// </summary>
static partial class UsageErrors
{
    /// <summary>The parse's errors as lines on stderr, or null where the command line parsed (or asks for help).</summary>
    public static int? Report(ParseResult parse)
    {
        if (parse.Action is not ParseErrorAction) return null;
        var messages = parse.Errors.Select(e => Whitespace().Replace(e.Message, " ").Trim().TrimEnd('.')).Distinct().ToList();
        // "Required command was not provided" says nothing more where a word was taken for a command and was not one.
        if (messages.Count > 1) messages.RemoveAll(m => m.StartsWith("Required command was not provided", StringComparison.Ordinal));
        var command = parse.CommandResult.Command;
        foreach (string message in messages)
        {
            string? closest = command.Subcommands.Count > 0 ? ClosestCommand(message, command) : null;
            string suggestion = closest is null ? "" : $"; did you mean '{closest}'?";
            Console.Error.WriteLine($"error: {message} ({HelpHint(parse)}{suggestion})");
        }
        return Errors.BadInput;
    }

    /// <summary>A positional word that looks like an option (UnknownOptions), said as the parse errors are.</summary>
    public static int ReportUnknownOption(ParseResult parse, string option)
    {
        Console.Error.WriteLine($"error: unknown option '{option}' ({HelpHint(parse)}; put `--` before a file name that starts with '-')");
        return Errors.BadInput;
    }

    static string HelpHint(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult { Command: not RootCommand } command; result = result.Parent)
            names.Insert(0, command.Command.Name);
        string what = parse.CommandResult.Command.Subcommands.Count > 0 ? "commands" : "options";
        return $"`{string.Join(' ', ["cacophony", .. names])} --help` lists the {what}";
    }

    /// <summary>For "Unrecognized command or argument 'X'": the subcommand X most likely meant, if one is close.</summary>
    static string? ClosestCommand(string message, Command command)
    {
        var quoted = Quoted().Match(message);
        if (!message.StartsWith("Unrecognized command", StringComparison.Ordinal) || !quoted.Success) return null;
        string word = quoted.Groups[1].Value;
        return command.Subcommands.Select(c => (c.Name, Distance: EditDistance(word, c.Name)))
            .Where(c => c.Distance <= Math.Max(2, c.Name.Length / 4)).OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
    }

    static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();
}
