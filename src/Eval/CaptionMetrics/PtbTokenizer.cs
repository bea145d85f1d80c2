using System.Text;
using System.Text.RegularExpressions;

namespace Cacophony.Eval.CaptionMetrics;

/// <summary>
/// The caption tokenization of pycocoevalcap / aac-metrics: Stanford's PTB tokenizer with lower-casing, then
/// the punctuation tokens removed ('' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;). Written here as
/// PTB's rules for English text: punctuation split off words (hyphens inside words stay), clitics split
/// ("don't" -> "do n't", "dog's" -> "dog 's"), brackets and quotes as their own tokens. Java's tokenizer
/// has more special cases (abbreviations, URLs); captions rarely need them.
/// </summary>
public static partial class PtbTokenizer
{
    static readonly HashSet<string> Punctuation = ["''", "'", "``", "`", "-lrb-", "-rrb-", "-lcb-", "-rcb-", ".", "?", "!", ",", ":", "-", "--", "...", ";", "(", ")", "[", "]", "{", "}", "\""];

    public static string[] Tokenize(string text)
    {
        var spaced = new StringBuilder();
        foreach (Match m in TokenPattern().Matches(text.ToLowerInvariant()))
        {
            string token = m.Value;
            var clitic = CliticPattern().Match(token);
            if (clitic.Success && clitic.Groups[1].Length > 0)
                spaced.Append(clitic.Groups[1].Value).Append(' ').Append(clitic.Groups[2].Value).Append(' ');
            else spaced.Append(token).Append(' ');
        }
        return spaced.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => !Punctuation.Contains(t)).ToArray();
    }

    /// <summary>The tokens joined by single spaces: the form the metrics split again.</summary>
    public static string Normalize(string text) => string.Join(' ', Tokenize(text));

    // Words (letters, digits, inner hyphens, apostrophes, periods in numbers), ellipses, dashes, or any other single symbol.
    [GeneratedRegex(@"\.\.\.|--|[\p{L}\p{N}]+(?:[-'’.][\p{L}\p{N}]+)*'?|\S")]
    private static partial Regex TokenPattern();

    // word + clitic: n't, 's, 're, 've, 'll, 'd, 'm, or a trailing possessive apostrophe.
    [GeneratedRegex(@"^(.+?)(n't|'s|'re|'ve|'ll|'d|'m|')$")]
    private static partial Regex CliticPattern();
}
