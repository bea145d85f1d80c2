using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>`cacophony features` run as a user runs it, its dumps read back and compared with the golden reference.</summary>
public class FeaturesCommandTests
{
    [Test]
    public void DumpsMatchTheGoldenCaseAndABadFileIsReportedWithoutLosingTheOthers()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("broken.wav"), "RIFF....WAVEnot really");
        string dump = temp.File("dump");
        var result = ToolRunner.Run("cacophony", "features", TestData.Tiny("wavs/stereo_44k1_24bit.wav"), temp.File("broken.wav"), TestData.Tiny("wavs/long_16k.wav"),
            "--dump", dump, "--seq-len", "40", "--overflow", "indices", "--keep-indices", TestData.Tiny("cases/audio_long_16k_seq40/keep_inds.npy"), "--png");
        TestContext.Out.WriteLine(result.Stdout + result.Stderr);

        Assert.That(result.ExitCode, Is.EqualTo(2), "a file failed");
        Assert.That(result.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Stderr, Does.Contain("broken.wav").And.Not.Contain("   at "));

        // The long clip, with the golden case's own choice of 40 of its 104 patches.
        string caseName = "audio_long_16k_seq40";
        foreach (var name in new[] { "waveform16k", "mel", "patches" })
        {
            var dumped = NpyFile.Read(Path.Combine(dump, "long_16k", name + ".npy"));
            var golden = Golden.Load(caseName, name);
            Assert.That(dumped.Shape, Is.EqualTo(golden.Shape), name);
            var (maxAbs, _) = Golden.Report($"features --dump {name}", dumped.Float32, golden.Float32);
            Assert.That(maxAbs, Is.LessThanOrEqualTo(1e-5), name);
        }
        foreach (var name in new[] { "time_inds", "freq_inds", "mask" })
            Assert.That(NpyFile.Read(Path.Combine(dump, "long_16k", name + ".npy")).Int32, Is.EqualTo(Golden.Ints(caseName, name)), name);

        // The stereo clip (120 patches) was processed with the same indices, and its picture is a PNG.
        Assert.That(File.ReadAllBytes(Path.Combine(dump, "stereo_44k1_24bit", "mel.png"))[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(Directory.GetDirectories(dump).Select(Path.GetFileName), Is.EquivalentTo(new[] { "stereo_44k1_24bit", "long_16k" }), "no partial directories");
    }
}
