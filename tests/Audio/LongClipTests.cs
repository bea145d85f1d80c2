using Cacophony.Model.Audio;
using Cacophony.Tests.Eval;
using Cacophony.Tests.Support;
using Cacophony.Weights;

namespace Cacophony.Tests.Audio;

/// <summary>The streamed front end of long 16 kHz WAV files gives the whole-clip front end's patches, bit for bit.</summary>
public class LongClipTests
{
    [TestCase(SequencePadding.Pad, 500, SequenceOverflow.Random)]
    [TestCase(SequencePadding.Exact, 100, SequenceOverflow.First)]
    [TestCase(SequencePadding.Exact, 100_000, SequenceOverflow.Random)]
    public void AStreamedClipHasTheWholeClipsPatches(SequencePadding padding, int length, SequenceOverflow overflow)
    {
        using var temp = new TempDirectory();
        // 83.3 s: 521 time patches, more than one 256-patch chunk, an odd sample count, frames past the last patch.
        string path = temp.File("long.wav");
        MiniDatasets.Tone(path, 523, seconds: 83.3001, rate: 16000, seed: 4);
        var frontEnd = new AudioFrontEnd(new PreprocessingConfig());
        var policy = new SequencePolicy { Padding = padding, Length = length, Overflow = overflow, Seed = 9 };
        var whole = frontEnd.Process(AudioDecoder.Read(path), policy).Patches;
        var streamed = frontEnd.ProcessFile(path, policy, longClipSamples: 16000).Patches;
        Assert.That(streamed.RealCount, Is.EqualTo(whole.RealCount));
        Assert.That(streamed.TimeIndices, Is.EqualTo(whole.TimeIndices));
        Assert.That(streamed.FrequencyIndices, Is.EqualTo(whole.FrequencyIndices));
        Assert.That(streamed.Mask, Is.EqualTo(whole.Mask));
        Assert.That(streamed.Patches, Is.EqualTo(whole.Patches), "the same bits");
    }
}
