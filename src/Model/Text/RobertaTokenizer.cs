using Cacophony.Weights;
using Microsoft.ML.Tokenizers;

namespace Cacophony.Model.Text;

/// <summary>One tokenized text: ids padded to the maximum length, the attention mask, and the real length.</summary>
public sealed record TokenizedText(int[] InputIds, int[] AttentionMask, int Length)
{
    /// <summary>&lt;s&gt; content &lt;/s&gt;, without padding.</summary>
    public int[] Unpadded => InputIds[..Length];
}

/// <summary>
/// RoBERTa's tokenizer as <c>RobertaTokenizerFast("roberta-base")(text, padding="max_length", truncation=True)</c>:
/// literal special tokens are matched first (leftmost-longest; &lt;mask&gt; also absorbs the whitespace to
/// its left), the rest is pre-tokenized by code point (<see cref="GptPreTokenizer"/>) and each piece is
/// byte-level BPE-encoded by Microsoft.ML.Tokenizers; the content is truncated to max_length - 2 before
/// &lt;s&gt; (0) and &lt;/s&gt; (2) are added, and padded with &lt;pad&gt; (1). No normalization, no trimming.
/// </summary>
public sealed class RobertaTokenizer
{
    public const int Bos = 0, Pad = 1, Eos = 2, Unknown = 3, Mask = 50264;

    static readonly (string Text, int Id)[] Specials = [("<mask>", Mask), ("</s>", Eos), ("<pad>", Pad), ("<unk>", Unknown), ("<s>", Bos)];

    readonly BpeTokenizer _bpe;

    public RobertaTokenizer(string vocabFile, string mergesFile)
    {
        foreach (var file in new[] { vocabFile, mergesFile })
            if (!File.Exists(file)) throw new CheckpointException(file, "tokenizer file not found");
        var vocabulary = ReadVocabulary(vocabFile);
        var merges = ReadMerges(mergesFile);
        try
        {
            // The files are read here, not by the library, whose file reader deserializes JSON by reflection (a native
            // build cannot). Pieces arrive already pre-tokenized: the library must treat each as one word (its default
            // splits on spaces).
            _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary) { Merges = merges, ByteLevel = true, PreTokenizer = new WholeText() });
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or ArgumentException or InvalidOperationException or InvalidDataException or KeyNotFoundException)
        {
            throw new CheckpointException(vocabFile, $"the tokenizer cannot be built from it and {System.IO.Path.GetFileName(mergesFile)}: {e.Message}");
        }
    }

    /// <summary>vocab.json: one JSON object of token -> id, every id a distinct integer from 0 up, the special tokens at their ids.</summary>
    static Dictionary<string, int> ReadVocabulary(string path)
    {
        System.Text.Json.JsonElement root;
        var bytes = File.ReadAllBytes(path);
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new CheckpointException(path, "is not valid UTF-8");
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(bytes);
            root = document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CheckpointException(path, $"is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object) throw new CheckpointException(path, "is not a JSON object of token -> id");
        var ids = new HashSet<int>();
        var vocabulary = new Dictionary<string, int>();
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Value.ValueKind != System.Text.Json.JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw new CheckpointException(path, $"token '{entry.Name}' has the id {entry.Value.GetRawText()}, not a non-negative integer");
            if (!ids.Add(id)) throw new CheckpointException(path, $"the id {id} is given to two tokens (one is '{entry.Name}')");
            vocabulary[entry.Name] = id;
        }
        foreach (var (text, id) in Specials)
            if (!vocabulary.TryGetValue(text, out int found) || found != id)
                throw new CheckpointException(path, $"'{text}' must have the id {id} (RoBERTa's), not {(vocabulary.TryGetValue(text, out int other) ? other.ToString() : "none")}");
        return vocabulary;
    }

    /// <summary>merges.txt: an optional "#version" line, then one merge a line, two tokens separated by one space.</summary>
    static List<string> ReadMerges(string path)
    {
        var merges = new List<string>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0 || (line == 1 && text.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = text.IndexOf(' ');
            if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
                throw new CheckpointException(path, $"line {line} is not a merge of two tokens separated by one space: '{(text.Length > 60 ? text[..60] + "..." : text)}'");
            merges.Add(text);
        }
        return merges;
    }

    sealed class WholeText : PreTokenizer
    {
        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => [(0, text.Length)];
        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => [(0, text.Length)];
    }

    public TokenizedText Encode(string text, int maxLength = 100)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "room is needed for <s> and </s>");
        var content = ContentIds(text, maxLength - 2);
        int kept = Math.Min(content.Count, maxLength - 2), length = kept + 2;
        var ids = new int[maxLength];
        var mask = new int[maxLength];
        Array.Fill(ids, Pad);
        ids[0] = Bos;
        for (int i = 0; i < kept; i++) ids[i + 1] = content[i];
        ids[kept + 1] = Eos;
        mask.AsSpan(0, length).Fill(1);
        return new TokenizedText(ids, mask, length);
    }

    /// <summary>
    /// The ids of the text's own tokens, without &lt;s&gt; or &lt;/s&gt;: all of them, or at least the first `limit`
    /// (the same ids the whole text gives there; truncation keeps no more). Work stops once they are known, so a
    /// megabyte-long line costs what its first tokens cost.
    /// </summary>
    public List<int> ContentIds(string text, int limit = int.MaxValue)
    {
        var ids = new List<int>();
        int position = 0;
        while (position < text.Length && ids.Count < limit)
        {
            var (start, end, id) = NextSpecial(text, position);
            foreach (var piece in GptPreTokenizer.Split(text[position..start]))
            {
                if (ids.Count >= limit) break;
                ids.AddRange(EncodePiece(piece, limit - ids.Count));
            }
            if (id < 0) break;
            ids.Add(id);
            position = end;
        }
        return ids;
    }

    /// <summary>Below this many characters a piece is encoded whole.</summary>
    const int LongPiece = 4096;

    /// <summary>
    /// The BPE ids of one pre-tokenized piece, or at least its first `needed` ones. A long piece (one "word" of
    /// thousands of characters) is encoded by prefixes of doubling length until two successive prefixes agree on
    /// the first `needed` ids: a merge can only change tokens near where the prefix is cut, so agreement over a
    /// doubled prefix means the cut is far from them. BPE over a whole megabyte-long word would take minutes.
    /// </summary>
    IReadOnlyList<int> EncodePiece(string piece, int needed)
    {
        if (piece.Length <= LongPiece || needed == int.MaxValue) return _bpe.EncodeToIds(piece);
        int length = Math.Max(LongPiece / 4, needed * 16);
        var shorter = _bpe.EncodeToIds(Prefix(piece, length));
        while (2L * length < piece.Length)
        {
            length *= 2;
            var longer = _bpe.EncodeToIds(Prefix(piece, length));
            if (shorter.Count >= needed && longer.Count >= needed && shorter.Take(needed).SequenceEqual(longer.Take(needed)))
                return longer.Take(needed).ToList();
            shorter = longer;
        }
        return _bpe.EncodeToIds(piece);
    }

    /// <summary>The first `length` characters, one fewer when that would split a surrogate pair.</summary>
    static string Prefix(string text, int length)
    {
        if (length >= text.Length) return text;
        if (char.IsHighSurrogate(text[length - 1])) length--;
        return text[..length];
    }

    /// <summary>
    /// The leftmost (then longest) literal special token at or after `from`: where the ordinary text
    /// before it ends (for &lt;mask&gt;, before the whitespace it absorbs), and where the match ends.
    /// </summary>
    static (int TextEnd, int End, int Id) NextSpecial(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            if (text[i] != '<') continue;
            foreach (var (literal, id) in Specials)
            {
                if (string.CompareOrdinal(text, i, literal, 0, literal.Length) != 0) continue;
                int textEnd = i;
                if (id == Mask)
                    while (textEnd > from && char.IsWhiteSpace(text[textEnd - 1])) textEnd--;
                return (textEnd, i + literal.Length, id);
            }
        }
        return (text.Length, text.Length, -1);
    }

    /// <summary>Text of the ids with special tokens skipped (invalid UTF-8 becomes U+FFFD), as HF's decode(skip_special_tokens=True).</summary>
    public string Decode(IEnumerable<int> ids) =>
        _bpe.Decode(ids.Where(id => id is not (Bos or Pad or Eos or Unknown or Mask)));
}
