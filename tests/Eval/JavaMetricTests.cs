using Cacophony.Eval.CaptionMetrics.Java;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>
/// Our side of the METEOR and SPICE jars' interfaces, against a stand-in jar that speaks them
/// (tests/data/java): the requests as pycocoevalcap sends them, each answer routed to its item, the corpus
/// score read from the jar (not averaged by us), and a failing jar reported in one line. The stand-in's
/// scores are unigram statistics recomputed independently here. With the real jars
/// ($CACOPHONY_METEOR_JAR / $CACOPHONY_SPICE_JAR) the last tests check METEOR and SPICE themselves.
/// </summary>
public class JavaMetricTests
{
    static readonly string[][] Candidates = [["a", "dog", "barks"], ["rain", "falls", "on", "a", "roof"], ["birds", "sing|||loudly"]];

    static readonly IReadOnlyList<string[]>[] References =
    [
        [["a", "dog", "is", "barking"], ["the", "dog", "barks", "loudly"]],
        [["heavy", "rain", "on", "a", "tin", "roof"], ["rain", "falls"]],
        [["birds", "chirp"], ["many", "birds", "sing", "in", "the", "morning"]],
    ];

    TempDirectory Temp = null!;

    [SetUp]
    public void CreateTemp() => Temp = new TempDirectory();

    [TearDown]
    public void RemoveTemp() => Temp.Dispose();

    [Test]
    public void MeteorSpeaksTheStdioProtocolAndKeepsTheJarsCorpusScore()
    {
        var jar = StandInJar.CopyTo(Temp.File("meteor"), "meteor-1.5.jar");
        var result = Meteor.Score(JavaRuntime.Find(), jar, Candidates, References);

        // The stand-in's statistics, recomputed: best clipped unigram matches m over the references, h, r.
        var stats = Candidates.Select((c, i) => References[i].Select(r => (M: Matches(Clean(c), r), R: r.Length)).MaxBy(x => x.M) is var best
            ? (best.M, H: Clean(c).Length, best.R) : default).ToArray();
        for (int i = 0; i < stats.Length; i++)
            Assert.That(result.Items[i], Is.EqualTo(FMean(stats[i].M, stats[i].H, stats[i].R)).Within(1e-12), $"item {i}");
        double corpus = FMean(stats.Sum(s => s.M), stats.Sum(s => s.H), stats.Sum(s => s.R));
        Assert.That(result.Corpus, Is.EqualTo(corpus).Within(1e-12));
        Assert.That(result.Corpus, Is.Not.EqualTo(result.Items.Average()).Within(1e-6), "the corpus score is METEOR's, not the mean of items");

        var log = StandInJar.Log(jar);
        Assert.That(log[0], Is.EqualTo("ARGS - - -stdio -l en -norm"));
        Assert.That(log[1], Does.Contain("-Xmx2G"));
        Assert.That(log[2], Is.EqualTo("LINE SCORE ||| a dog is barking ||| the dog barks loudly ||| a dog barks"));
        Assert.That(log[4], Is.EqualTo("LINE SCORE ||| birds chirp ||| many birds sing in the morning ||| birds singloudly"), "'|||' removed from captions");
        Assert.That(log[5], Is.EqualTo("LINE EVAL ||| " + string.Join(" ||| ", stats.Select(s => $"{s.M} {s.H} {s.R}"))), "the jar's statistics sent back in order");
    }

    [Test]
    public void SpiceWritesItsJsonInputAndReadsEachItemsF()
    {
        var jar = StandInJar.CopyTo(Temp.File("spice"), "spice-1.0.jar");
        string[][] candidates = [.. Candidates.Take(2), []];
        var result = Spice.Score(JavaRuntime.Find(), jar, candidates, References, Temp.File("work"), Temp.File("cache"));

        for (int i = 0; i < 2; i++)
        {
            var hyp = candidates[i].ToHashSet();
            var refs = References[i].SelectMany(r => r).ToHashSet();
            Assert.That(result.Items[i], Is.EqualTo(2.0 * hyp.Intersect(refs).Count() / (hyp.Count + refs.Count)).Within(1e-12), $"item {i}");
        }
        Assert.That(result.Items[2], Is.NaN, "SPICE's \"NaN\" for an item without tuples");
        Assert.That(result.Corpus, Is.NaN, "numpy's mean over a NaN item, as pycocoevalcap");

        var args = StandInJar.Log(jar)[0];
        Assert.That(args, Is.EqualTo($"ARGS {Temp.File("work/spice-input.json")} -cache {Temp.File("cache")} -out {Temp.File("work/spice-output.json")} -subset -silent"));
        Assert.That(StandInJar.Log(jar)[1], Does.Contain("-Xmx8G"));
    }

    [Test]
    public void AFailingJarIsOneLineNamingItAndWhatItSaid()
    {
        var jar = StandInJar.CopyTo(Temp.File("broken"), "meteor-1.5.jar");
        StandInJar.MakeFail(jar);
        var meteor = Assert.Throws<JarException>(() => Meteor.Score(JavaRuntime.Find(), jar, Candidates, References))!;
        TestContext.Out.WriteLine(meteor.Message);
        Assert.That(meteor.Message, Does.StartWith(jar + ": METEOR exited with code 1"));
        Assert.That(meteor.Message, Does.Contain("IllegalStateException: stand-in failure"));
        Assert.That(meteor.Message, Does.Not.Contain("\n"));

        var spice = Assert.Throws<JarException>(() => Spice.Score(JavaRuntime.Find(), jar, Candidates, References, Temp.File("work")))!;
        Assert.That(spice.Message, Does.StartWith(jar + ": SPICE exited with code 1 without writing its scores"));
        Assert.That(spice.Message, Does.Contain("stand-in failure"));

        var missing = Assert.Throws<JarException>(() => Meteor.Score(JavaRuntime.Find(), Temp.File("nowhere.jar"), Candidates, References))!;
        Assert.That(missing.Message, Is.EqualTo(Temp.File("nowhere.jar") + ": no such jar file"));
    }

    [Test]
    public void RealMeteorScoresAnExactMatchAboveAParaphraseAboveAnUnrelatedCaption()
    {
        var jar = Environment.GetEnvironmentVariable("CACOPHONY_METEOR_JAR");
        if (string.IsNullOrEmpty(jar)) Assert.Ignore("set CACOPHONY_METEOR_JAR to meteor-1.5.jar (with its data/) to check the real METEOR");
        IReadOnlyList<string[]> refs = [["a", "dog", "is", "barking", "loudly"]];
        var result = Meteor.Score(JavaRuntime.Find(), jar!, [["a", "dog", "is", "barking", "loudly"], ["a", "dog", "barks", "loudly"], ["rain", "on", "the", "roof"]], [refs, refs, refs]);
        TestContext.Out.WriteLine($"METEOR items {string.Join(", ", result.Items)}; corpus {result.Corpus}");
        // The exact values depend on the jar's tuned English parameters: the check is the ordering and the range.
        Assert.That(result.Items[0], Is.GreaterThan(result.Items[1]));
        Assert.That(result.Items[1], Is.GreaterThan(result.Items[2]));
        Assert.That(result.Items[2], Is.EqualTo(0).Within(1e-9));
        Assert.That(result.Items[0], Is.InRange(0.5, 1.0));
    }

    [Test]
    public void RealSpiceGivesAnExactMatchFullMarks()
    {
        var jar = Environment.GetEnvironmentVariable("CACOPHONY_SPICE_JAR");
        if (string.IsNullOrEmpty(jar)) Assert.Ignore("set CACOPHONY_SPICE_JAR to spice-1.0.jar (with Stanford CoreNLP in lib/) to check the real SPICE");
        IReadOnlyList<string[]> refs = [["a", "black", "dog", "barks", "at", "a", "cat"]];
        var result = Spice.Score(JavaRuntime.Find(), jar!, [refs[0], ["rain", "falls"]], [refs, refs], Temp.File("work"));
        TestContext.Out.WriteLine($"SPICE items {string.Join(", ", result.Items)}; corpus {result.Corpus}");
        Assert.That(result.Items[0], Is.EqualTo(1.0).Within(1e-9), "identical scene graphs: F = 1");
        Assert.That(result.Items[1], Is.LessThan(0.5));
        Assert.That(result.Corpus, Is.EqualTo(result.Items.Average()).Within(1e-12));
    }

    static string[] Clean(string[] tokens) => string.Join(' ', tokens).Replace("|||", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    static int Matches(string[] hyp, string[] reference)
    {
        var counts = reference.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        int m = 0;
        foreach (var t in hyp)
            if (counts.GetValueOrDefault(t) > 0) { m++; counts[t]--; }
        return m;
    }

    static double FMean(double m, double h, double r) => m == 0 ? 0 : 10 * (m / h) * (m / r) / (m / r + 9 * (m / h));
}
