using Cacophony.Model.Text;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Text;

/// <summary>
/// Truncation stops the work early on huge inputs: the ids must be those of tokenizing the whole text (the
/// Hugging Face reference cases check the whole-text path itself), here on single "words" of thousands of
/// characters where BPE's merges could in principle reach across the cut.
/// </summary>
public class LongTextTests
{
    static RobertaTokenizer Tokenizer()
    {
        string dir = TestData.TokenizerDirectoryOrIgnore();
        return new RobertaTokenizer(Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"));
    }

    static IEnumerable<TestCaseData> LongWords()
    {
        var random = new Random(3);
        yield return new TestCaseData(new string('a', 20_000)).SetName("a x 20000");
        yield return new TestCaseData(string.Concat(Enumerable.Repeat("ab", 9_000))).SetName("ab x 9000");
        yield return new TestCaseData(new string(Enumerable.Range(0, 12_000).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray())).SetName("random letters x 12000");
        yield return new TestCaseData(new string('7', 15_000)).SetName("digits x 15000");
        yield return new TestCaseData(string.Concat(Enumerable.Repeat("\U0001F600", 5_000))).SetName("emoji x 5000 (surrogate pairs)");
        yield return new TestCaseData(string.Concat(Enumerable.Repeat("é", 9_000))).SetName("e-acute x 9000");
        yield return new TestCaseData("a dog " + new string('z', 10_000) + " barks").SetName("a long word after short ones");
    }

    [TestCaseSource(nameof(LongWords))]
    public void TruncatedIdsAreThoseOfTheWholeText(string text)
    {
        var tokenizer = Tokenizer();
        var whole = tokenizer.ContentIds(text);
        foreach (int maxLength in new[] { 100, 77, 3 })
        {
            var encoded = tokenizer.Encode(text, maxLength);
            int kept = Math.Min(whole.Count, maxLength - 2);
            Assert.That(encoded.Unpadded, Is.EqualTo(new[] { 0 }.Concat(whole.Take(kept)).Append(2).ToArray()), $"max length {maxLength}");
        }
    }

    [Test]
    public void AMegabyteLineGivesTheIdsOfItsFirstPart()
    {
        var tokenizer = Tokenizer();
        var megabyte = tokenizer.Encode(new string('a', 1_000_000), 100);
        Assert.That(megabyte.Unpadded, Is.EqualTo(tokenizer.Encode(new string('a', 20_000), 100).Unpadded));
        var words = tokenizer.Encode(string.Concat(Enumerable.Repeat("rain on a roof ", 70_000)), 100);
        Assert.That(words.Length, Is.EqualTo(100));
    }
}
