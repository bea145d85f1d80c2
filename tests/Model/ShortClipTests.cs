using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Model;

/// <summary>
/// A clip under one patch (160 ms) against the float64 reference run as the original runs it: the whole padded
/// sequence through the encoder and the pool, padding keys masked to float32.MinValue.
/// </summary>
public class ShortClipTests : TinyModelFixture
{
    static float[] Noise(int samples, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, samples).Select(_ => (float)(0.3 * (random.NextDouble() - 0.5))).ToArray();
    }

    [TestCase(1600, SequencePadding.Pad)]     // 100 ms: 10 frames, no patch
    [TestCase(1600, SequencePadding.Exact)]
    [TestCase(1, SequencePadding.Pad)]        // a single sample
    public void AClipUnderOnePatchGetsTheOriginalsAllPaddingEmbedding(int samples, SequencePadding padding)
    {
        var clip = Noise(samples, seed: samples);
        using var weights = ModelDirectory.Open(Temp.File("model"));
        var reference = new ReferenceModel(Model.Config, weights);
        var padded = Model.FrontEnd.Process(clip, 16000, SequencePolicy.ZeroShot).Patches;
        Assert.That((padded.RealCount, padded.Count), Is.EqualTo((0, 500)), "all padding, as the original pads it");
        var expected = reference.EmbedAudioPadded(padded).Select(v => (float)v).ToArray();

        var encoded = Model.EncodeAudio([new DecodedAudio(clip, 16000, 1, "samples")], new SequencePolicy { Padding = padding, Length = 500 })[0];
        Assert.That(encoded.PaddingOnly, "the embedding says it stands for an all-padding sequence");
        var (maxAbs, _) = Golden.Report($"{samples}-sample clip ({padding}) vs the padded float64 reference", encoded.Normalized, expected);
        Assert.That(maxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void ThePaddedReferenceAgreesWithTheEngineOnARealClip()
    {
        // The masked reference is only a truth if padding never reaches real patches: checked on a clip with patches.
        using var weights = ModelDirectory.Open(Temp.File("model"));
        var reference = new ReferenceModel(Model.Config, weights);
        var decoded = AudioDecoder.Read(TestData.Tiny("wavs/front_center.wav"));
        var padded = Model.FrontEnd.Process(decoded, SequencePolicy.ZeroShot).Patches;
        Assert.That(padded.RealCount, Is.GreaterThan(0).And.LessThan(padded.Count));
        var expected = reference.EmbedAudioPadded(padded).Select(v => (float)v).ToArray();
        var (maxAbs, _) = Golden.Report("front_center padded reference vs engine", Model.EncodeAudio([decoded], SequencePolicy.ZeroShot)[0].Normalized, expected);
        Assert.That(maxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void OnTheOpenClDeviceAShortClipGetsTheCpuEnginesEmbedding()
    {
        if (!TestBackends.HasOpenCL(out var reason)) Assert.Ignore($"no OpenCL device here ({reason})");
        using var device = CacophonyModel.Load(Temp.File("model"), new ModelOptions { Device = Cacophony.Kernels.DeviceKind.OpenCL });
        var clips = new[] { Noise(16000, 1), Noise(800, 2) }.Select(c => new DecodedAudio(c, 16000, 1, "samples")).ToList();
        var onDevice = device.EncodeAudio(clips, SequencePolicy.ZeroShot);
        var onCpu = Model.EncodeAudio(clips, SequencePolicy.ZeroShot);
        Assert.That(onDevice.Select(e => e.PaddingOnly), Is.EqualTo(new[] { false, true }));
        for (int i = 0; i < clips.Count; i++)
            Assert.That(Golden.Report($"OpenCL clip {i}", onDevice[i].Normalized, onCpu[i].Normalized).MaxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void AShortClipInABatchLeavesTheOthersAsTheyAreAlone()
    {
        var clips = new[] { Noise(16000, 1), Noise(800, 2), Noise(24000, 3) }.Select(c => new DecodedAudio(c, 16000, 1, "samples")).ToList();
        var batch = Model.EncodeAudio(clips, SequencePolicy.ZeroShot);
        Assert.That(batch.Select(e => e.PaddingOnly), Is.EqualTo(new[] { false, true, false }));
        for (int i = 0; i < clips.Count; i++)
            Assert.That(batch[i].Normalized, Is.EqualTo(Model.EncodeAudio([clips[i]], SequencePolicy.ZeroShot)[0].Normalized), $"clip {i}");
    }
}
