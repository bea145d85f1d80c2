using System.Text.Json;
using Cacophony.Model.Text;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Text;

/// <summary>All 325 cases of the Hugging Face reference (tests/data/tokenizer/roberta_cases.jsonl): ids, mask and decode exactly.</summary>
public class RobertaTokenizerTests
{
    sealed record Case(string Text, int[] InputIds, int[] AttentionMask, string Decoded);

    static IEnumerable<Case> Cases()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "tokenizer", "roberta_cases.jsonl");
        foreach (var line in File.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            yield return new Case(root.GetProperty("text").GetString()!,
                root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("attention_mask").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("decoded").GetString()!);
        }
    }

    static RobertaTokenizer Tokenizer()
    {
        string dir = TestData.TokenizerDirectoryOrIgnore();
        return new RobertaTokenizer(Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"));
    }

    [Test]
    public void AllReferenceCasesMatch()
    {
        var tokenizer = Tokenizer();
        var cases = Cases().ToList();
        Assert.That(cases, Has.Count.EqualTo(325));
        var idFailures = new List<string>();
        var decodeFailures = new List<string>();
        foreach (var c in cases)
        {
            var encoded = tokenizer.Encode(c.Text, 100);
            if (!encoded.InputIds.SequenceEqual(c.InputIds) || !encoded.AttentionMask.SequenceEqual(c.AttentionMask))
                idFailures.Add($"{JsonSerializer.Serialize(c.Text)}: expected [{string.Join(",", c.InputIds.Take(c.AttentionMask.Sum()))}] got [{string.Join(",", encoded.Unpadded)}]");
            string decoded = tokenizer.Decode(encoded.InputIds);
            if (decoded != c.Decoded) decodeFailures.Add($"{JsonSerializer.Serialize(c.Text)}: expected {JsonSerializer.Serialize(c.Decoded)} got {JsonSerializer.Serialize(decoded)}");
        }
        TestContext.Out.WriteLine($"ids: {cases.Count - idFailures.Count}/{cases.Count} exact; decode: {cases.Count - decodeFailures.Count}/{cases.Count} exact");
        foreach (var f in idFailures.Concat(decodeFailures).Take(20)) TestContext.Out.WriteLine(f);
        Assert.Multiple(() =>
        {
            Assert.That(idFailures, Is.Empty);
            Assert.That(decodeFailures, Is.Empty);
        });
    }

    [Test]
    public void TheGoldenModelsTokenIdsAreReproduced()
    {
        var tokenizer = Tokenizer();
        foreach (var (caseName, maxLength) in new[] { ("text_main", 100), ("text_long_maxlen77", 77) })
        {
            var ids = Golden.Load(caseName, "token_ids");
            using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Tiny("manifest.json")));
            var texts = manifest.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == caseName)
                .GetProperty("inputs").GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
            for (int i = 0; i < texts.Length; i++)
                Assert.That(tokenizer.Encode(texts[i], maxLength).InputIds, Is.EqualTo(ids.Int32!.AsSpan(i * maxLength, maxLength).ToArray()), $"{caseName}[{i}]");
        }
    }
}
