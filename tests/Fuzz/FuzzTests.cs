using Cacophony.Fuzz;

namespace Cacophony.Tests.Fuzz;

/// <summary>
/// A seeded, bounded run of the fuzz harness (tools/fuzz) over every format the project reads: any crash, hang or
/// blow-up fails it, with the finding's target and what escaped. `dotnet run --project tools/fuzz -- --minutes M`
/// runs the long mode.
/// </summary>
public class FuzzTests
{
    [Test]
    public void ASeededBoundedRunFindsNoCrashHangOrBlowUp()
    {
        var (workspace, targets) = Targets.Create(Path.Combine(TestContext.CurrentContext.TestDirectory, "data"));
        using (workspace)
        {
            var driver = new FuzzDriver(targets, workspace, TimeSpan.FromSeconds(20), 2L << 30);
            var report = driver.Run(20261206, i => i < 3000);
            TestContext.Out.WriteLine(report.Table());
            Assert.That(report.Total, Is.EqualTo(3000));
            Assert.That(report.Counts.Keys, Is.EquivalentTo(targets.Select(t => t.Name)), "every format was fuzzed");
            Assert.That(report.Findings.Select(f => $"{f.Target} #{f.Index}: {f.Outcome}: {f.What}"), Is.Empty);
        }
    }

    [Test]
    public void TheOggMutatorKeepsPageChecksumsValid()
    {
        // Truth: an Ogg page's CRC of the seed as written by libvorbis; recomputed over an unchanged file it must not change.
        var seed = File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "audio", "tone440.ogg"));
        var crcs = seed.AsSpan(22, 4).ToArray();
        var fixedBytes = Cacophony.Fuzz.Mutator.FixOggChecksums((byte[])seed.Clone());
        Assert.That(fixedBytes, Is.EqualTo(seed), "recomputing every page's CRC of an intact file changes nothing");
        Assert.That(crcs, Is.Not.EqualTo(new byte[4]));
    }
}
