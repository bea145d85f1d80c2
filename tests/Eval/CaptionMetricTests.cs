using Cacophony.Eval.CaptionMetrics;

namespace Cacophony.Tests.Eval;

/// <summary>BLEU, ROUGE-L, CIDEr-D and the PTB tokenization on cases worked out by hand (the arithmetic is in the comments).</summary>
public class CaptionMetricTests
{
    static string[] T(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public void BleuOfAShortExactPrefix()
    {
        // "the cat sat" against "the cat sat on the mat": every 1-, 2-, 3-gram matches (3/3, 2/2, 1/1), no 4-gram
        // exists (0 + 1e-15) / (0 + 1e-9) = 1e-6; candidate 3 vs reference 6 words: brevity penalty e^(1 - 2).
        var bleu = Bleu.Corpus([T("the cat sat")], [[T("the cat sat on the mat")]]);
        double bp = Math.Exp(-1);
        Assert.That(bleu[0], Is.EqualTo(bp).Within(1e-9));
        Assert.That(bleu[1], Is.EqualTo(bp).Within(1e-9));
        Assert.That(bleu[2], Is.EqualTo(bp).Within(1e-9));
        Assert.That(bleu[3], Is.EqualTo(Math.Pow(1e-6, 0.25) * bp).Within(1e-9));
    }

    [Test]
    public void BleuClipsCountsAndTakesTheClosestReferenceLength()
    {
        // "the the the the" vs refs "the cat" (2) and "the cat is on it" (5): closest length to 4 is 5;
        // unigram matches clipped to 1 (max count of "the" in one reference): p1 = 1/4; no brevity penalty? 4 < 5:
        // BP = e^(1 - 5/4).
        var bleu = Bleu.Corpus([T("the the the the")], [[T("the cat"), T("the cat is on it")]]);
        Assert.That(bleu[0], Is.EqualTo(0.25 * Math.Exp(1 - 5.0 / 4)).Within(1e-9));
    }

    [Test]
    public void RougeLFromTheLongestCommonSubsequence()
    {
        // "a b c d" vs "a c d e f": LCS "a c d" = 3, P = 3/4, R = 3/5, F = 2.44 * 0.45 / (0.6 + 1.44 * 0.75) = 1.098 / 1.68.
        Assert.That(RougeL.Score(T("a b c d"), [T("a c d e f")]), Is.EqualTo(1.098 / 1.68).Within(1e-12));
        // P and R are maximised over references separately: P from the first (2/2), R from the second (1/1).
        Assert.That(RougeL.Score(T("a b"), [T("a b c d"), T("b")]), Is.EqualTo(2.44 * 1 * 1 / (1 + 1.44)).Within(1e-12));
    }

    [Test]
    public void CiderDOnATwoItemCorpus()
    {
        // Item 1: "a b" vs "a b": unigram and bigram vectors identical (cosine 1 each), no 3-/4-grams (0):
        //   mean over n = 2/4, x10 = 5. Item 2: "c d" vs "c e": unigrams share "c" only; with idf l = log 2 for
        //   every n-gram, the clipped dot product is l^2 over norms sqrt(2) l each = 1/2; bigrams differ:
        //   mean 0.5/4 x10 = 1.25. Both length penalties are 1 (one bigram each).
        var scores = CiderD.Scores([T("a b"), T("c d")], [[T("a b")], [T("c e")]]);
        Assert.That(scores[0], Is.EqualTo(5.0).Within(1e-12));
        Assert.That(scores[1], Is.EqualTo(1.25).Within(1e-12));
    }

    [Test]
    public void CiderDPenalisesLengthWithTheirBigramCount()
    {
        // "a b" vs "a b x y z" alone in a corpus of 2 (second item unrelated): bigram lengths 1 and 4, delta 3:
        // every n's similarity is multiplied by exp(-9 / 72).
        var penalised = CiderD.Scores([T("a b"), T("q")], [[T("a b x y z")], [T("r")]])[0];
        // unigrams: h = {a, b} (l each), r = {a, b, x, y, z} (l each): dot 2 l^2 / (sqrt2 l * sqrt5 l); bigrams: 1 / (1 * 2).
        double unigram = 2 / (Math.Sqrt(2) * Math.Sqrt(5)), bigram = 1 / (1 * Math.Sqrt(4));
        Assert.That(penalised, Is.EqualTo((unigram + bigram) * Math.Exp(-9.0 / 72) / 4 * 10).Within(1e-12));
    }

    [Test]
    public void PtbTokenizationLowercasesSplitsCliticsAndDropsPunctuation()
    {
        Assert.That(PtbTokenizer.Tokenize("A dog's bark, then (loud) rain... Don't stop!"),
            Is.EqualTo(new[] { "a", "dog", "'s", "bark", "then", "loud", "rain", "do", "n't", "stop" }));
        Assert.That(PtbTokenizer.Tokenize("A well-known car -- passes at 3.5 km/h."), Is.EqualTo(new[] { "a", "well-known", "car", "passes", "at", "3.5", "km", "/", "h" }));
    }
}
