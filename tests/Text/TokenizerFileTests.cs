using Cacophony.Model.Text;
using Cacophony.Tests.Support;
using Cacophony.Weights;

namespace Cacophony.Tests.Text;

/// <summary>Damaged vocab.json / merges.txt are refused by name, with the token or line at fault (small hand-written files).</summary>
public class TokenizerFileTests
{
    const string GoodVocabulary = "{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"a\": 4, \"b\": 5, \"ab\": 6, \"<mask>\": 50264}";
    const string GoodMerges = "#version: 0.2\na b\n";

    static RobertaTokenizer Build(TempDirectory temp, string vocabulary, string merges)
    {
        File.WriteAllText(temp.File("vocab.json"), vocabulary);
        File.WriteAllText(temp.File("merges.txt"), merges);
        return new RobertaTokenizer(temp.File("vocab.json"), temp.File("merges.txt"));
    }

    [Test]
    public void ASmallWellFormedPairBuilds()
    {
        using var temp = new TempDirectory();
        var tokenizer = Build(temp, GoodVocabulary, GoodMerges);
        Assert.That(tokenizer.Encode("ab", 4).Unpadded, Is.EqualTo(new[] { 0, 6, 2 }), "the merge a + b applies");
    }

    [TestCase("{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"a\": \"x\", \"<mask>\": 50264}", "token 'a' has the id \"x\"")]
    [TestCase("{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"a\": 2.5, \"<mask>\": 50264}", "token 'a' has the id 2.5")]
    [TestCase("{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"a\": 3, \"<mask>\": 50264}", "the id 3 is given to two tokens")]
    [TestCase("{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"<mask>\": 7}", "'<mask>' must have the id 50264")]
    [TestCase("[\"<s>\", \"<pad>\"]", "is not a JSON object")]
    [TestCase("{\"<s>\": 0,", "is not valid JSON")]
    public void ADamagedVocabularyIsRefusedWithTheTokenAtFault(string vocabulary, string problem)
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<CheckpointException>(() => Build(temp, vocabulary, GoodMerges))!;
        Assert.That(error.Message, Does.StartWith(temp.File("vocab.json")).And.Contain(problem));
    }

    [Test]
    public void AVocabularyThatIsNotUtf8IsRefused()
    {
        // Found by the fuzz harness: a token with bytes that are not UTF-8 made System.Text.Json throw from the name.
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("vocab.json"), [.. "{\"<s>\": 0, \""u8, 0xC3, 0x28, .. "\": 1}"u8]);
        File.WriteAllText(temp.File("merges.txt"), GoodMerges);
        var error = Assert.Throws<CheckpointException>(() => new RobertaTokenizer(temp.File("vocab.json"), temp.File("merges.txt")))!;
        Assert.That(error.Message, Does.StartWith(temp.File("vocab.json")).And.Contain("not valid UTF-8"));
    }

    [TestCase("#version: 0.2\na b c\n", "line 2")]
    [TestCase("#version: 0.2\nab\n", "line 2")]
    [TestCase("a b\n b\n", "line 2")]
    public void ADamagedMergesFileIsRefusedWithTheLine(string merges, string problem)
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<CheckpointException>(() => Build(temp, GoodVocabulary, merges))!;
        Assert.That(error.Message, Does.StartWith(temp.File("merges.txt")).And.Contain(problem));
    }
}
