using Cacophony.Model.FrontEnd;

namespace Cacophony.Tests.Audio;

public class PatchifierTests
{
    /// <summary>A mel "image" whose value encodes its position: frame * 1000 + bin.</summary>
    static float[] PositionalMel(int frames) =>
        Enumerable.Range(0, frames * 128).Select(i => (float)(i / 128 * 1000 + i % 128)).ToArray();

    [Test]
    public void PatchesAreTimeMajorSixteenBySixteen()
    {
        var result = Patchifier.Patchify(PositionalMel(40), 128, 16, 16, new SequencePolicy { Padding = SequencePadding.Exact });
        // 40 frames -> 2 whole time patches (the last 8 frames are dropped) x 8 frequency patches.
        Assert.That(result.Count, Is.EqualTo(16));
        Assert.That(result.TimeIndices, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }));
        Assert.That(result.FrequencyIndices, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7 }));
        // Patch 10 is (t=1, f=2): element dt*16 + df holds frame 16 + dt, bin 32 + df.
        var patch = result.Patches.AsSpan(10 * 256, 256);
        for (int dt = 0; dt < 16; dt++)
            for (int df = 0; df < 16; df++)
                Assert.That(patch[dt * 16 + df], Is.EqualTo((16 + dt) * 1000 + 32 + df));
    }

    [Test]
    public void PaddingAddsMaskedZeroPatches()
    {
        var result = Patchifier.Patchify(PositionalMel(16), 128, 16, 16, new SequencePolicy { Length = 12 });
        Assert.That(result.Count, Is.EqualTo(12));
        Assert.That(result.RealCount, Is.EqualTo(8));
        Assert.That(result.Mask, Is.EqualTo(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 }));
        Assert.That(result.TimeIndices[8..], Is.All.Zero);
        Assert.That(result.FrequencyIndices[8..], Is.All.Zero);
        Assert.That(result.Patches.AsSpan(8 * 256).ToArray(), Is.All.Zero);
    }

    [Test]
    public void OverflowPoliciesChooseWhichPatchesStay()
    {
        var mel = PositionalMel(64); // 32 patches
        var first = Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 10, Overflow = SequenceOverflow.First });
        Assert.That(first.TimeIndices, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }));

        var a = Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 10, Seed = 5 });
        var b = Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 10, Seed = 5 });
        var c = Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 10, Seed = 6 });
        Assert.That(a.Patches, Is.EqualTo(b.Patches), "the same seed keeps the same patches");
        Assert.That(a.Patches, Is.Not.EqualTo(c.Patches), "another seed keeps others");
        var order = a.TimeIndices.Zip(a.FrequencyIndices, (t, f) => t * 8 + f).ToArray();
        Assert.That(order, Is.Ordered.Ascending.And.Unique, "kept patches stay in sequence order");
        Assert.That(a.Mask, Is.All.EqualTo(1));

        var chosen = Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 3, Overflow = SequenceOverflow.Indices, KeepIndices = [31, 0, 9] });
        Assert.That(chosen.TimeIndices.Zip(chosen.FrequencyIndices, (t, f) => t * 8 + f), Is.EqualTo(new[] { 0, 9, 31 }));
        Assert.Throws<ArgumentException>(() => Patchifier.Patchify(mel, 128, 16, 16, new SequencePolicy { Length = 3, Overflow = SequenceOverflow.Indices, KeepIndices = [0, 0, 1] }));
    }
}
