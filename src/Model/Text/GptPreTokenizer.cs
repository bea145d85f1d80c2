using System.Globalization;
using System.Text;

namespace Cacophony.Model.Text;

/// <summary>
/// GPT-2 / RoBERTa pre-tokenization, evaluated by code point (not UTF-16 unit, which .NET's Regex uses and
/// which misclassifies letters outside the BMP). It reproduces the alternation
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>: at each position the first
/// alternative that matches wins. \s is Unicode White_Space (U+0085 is, U+FEFF is not).
/// </summary>
public static class GptPreTokenizer
{
    static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    enum Kind { Letter, Number, Space, Other }

    public static IEnumerable<string> Split(string text)
    {
        var runes = text.EnumerateRunes().ToArray();
        int i = 0;
        while (i < runes.Length)
        {
            int end = Match(text, runes, i);
            var piece = new StringBuilder();
            for (int j = i; j < end; j++) piece.Append(runes[j].ToString());
            yield return piece.ToString();
            i = end;
        }
    }

    /// <summary>The end (exclusive, in runes) of the token starting at rune `i`.</summary>
    static int Match(string text, Rune[] runes, int i)
    {
        if (runes[i].Value == '\'')
            foreach (var c in Contractions)
                if (StartsWith(runes, i, c)) return i + c.Length;

        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional ASCII space, then a run of one class.
        int start = runes[i].Value == ' ' && i + 1 < runes.Length && Classify(runes[i + 1]) != Kind.Space ? i + 1 : i;
        var kind = Classify(runes[start]);
        if (kind != Kind.Space)
        {
            int end = start + 1;
            while (end < runes.Length && Classify(runes[end]) == kind) end++;
            return end;
        }

        // "\s+(?!\S)" then "\s+": a whitespace run leaves its last character to a following non-space.
        int run = i;
        while (run < runes.Length && Classify(runes[run]) == Kind.Space) run++;
        if (run == runes.Length) return run;
        return run - i >= 2 ? run - 1 : run;
    }

    static bool StartsWith(Rune[] runes, int i, string literal)
    {
        if (i + literal.Length > runes.Length) return false;
        for (int k = 0; k < literal.Length; k++)
            if (runes[i + k].Value != literal[k]) return false;
        return true;
    }

    static Kind Classify(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune)) return Kind.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
