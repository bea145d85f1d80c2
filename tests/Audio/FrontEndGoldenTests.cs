using Cacophony.Audio;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;
using Cacophony.Weights;

namespace Cacophony.Tests.Audio;

/// <summary>
/// Every golden audio case, WAV file to patches, against the float64 reference. The reference README
/// says a float64 front end lands within ~1e-6 of it; a float32 one misses by up to 0.04 in quiet mel bins.
/// </summary>
public class FrontEndGoldenTests
{
    static readonly AudioFrontEnd FrontEnd = new(new PreprocessingConfig());

    static SequencePolicy PolicyFor(string caseName) => caseName == "audio_long_16k_seq40"
        ? new SequencePolicy { Length = 40, Overflow = SequenceOverflow.Indices, KeepIndices = Golden.Ints(caseName, "keep_inds") }
        : SequencePolicy.ZeroShot;

    static string WavFor(string caseName) => TestData.Tiny(Path.Combine("wavs", caseName["audio_".Length..].Replace("_seq40", "") + ".wav"));

    [TestCaseSource(typeof(Golden), nameof(Golden.AudioCases))]
    public void MatchesTheReference(string caseName)
    {
        var features = FrontEnd.Process(WavReader.Read(WavFor(caseName)), PolicyFor(caseName));
        var golden = Golden.Load(caseName, "mel");
        Assert.That(features.Frames, Is.EqualTo(golden.Shape[0]), "frames");

        var (waveformError, _) = Golden.Report($"{caseName} waveform16k", features.Waveform16k, Golden.Floats(caseName, "waveform16k"));
        var (melError, _) = Golden.Report($"{caseName} mel", features.Mel, golden.Float32);
        var (patchError, _) = Golden.Report($"{caseName} patches", features.Patches.Patches, Golden.Floats(caseName, "patches"));
        Assert.Multiple(() =>
        {
            Assert.That(waveformError, Is.LessThanOrEqualTo(1e-5), "waveform16k");
            Assert.That(melError, Is.LessThanOrEqualTo(1e-5), "mel");
            Assert.That(patchError, Is.LessThanOrEqualTo(1e-5), "patches");
            Assert.That(features.Patches.TimeIndices, Is.EqualTo(Golden.Ints(caseName, "time_inds")), "time_inds");
            Assert.That(features.Patches.FrequencyIndices, Is.EqualTo(Golden.Ints(caseName, "freq_inds")), "freq_inds");
            Assert.That(features.Patches.Mask, Is.EqualTo(Golden.Ints(caseName, "mask")), "mask");
        });
    }
}
