using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Cacophony.Cli;

/// <summary>
/// A token that looks like an option but names none of the command's is a mistake, not a file name: System.CommandLine
/// hands it to a positional argument (`embed-audio --outt x.npy a.wav` would embed "--outt" and "x.npy"), so the
/// positional arguments are checked before any work starts. Tokens after `--` are taken as they are.
/// </summary>
static class UnknownOptions
{
    /// <summary>The first positional token that looks like an option, or null.</summary>
    public static string? Find(ParseResult parse)
    {
        var literal = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        bool afterDoubleDash = false;
        foreach (var token in parse.Tokens)
        {
            if (afterDoubleDash) literal.Add(token);
            if (token.Type == TokenType.DoubleDash) afterDoubleDash = true;
        }
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
            foreach (var token in argument.Tokens)
                if (!literal.Contains(token) && LooksLikeOption(token.Value)) return token.Value;
        return null;
    }

    /// <summary>"-x", "--name", "--name=value"; not "-" (standard input) nor a negative number.</summary>
    static bool LooksLikeOption(string value) =>
        value.Length > 1 && value[0] == '-' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
