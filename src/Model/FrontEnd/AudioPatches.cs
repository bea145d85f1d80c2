namespace Cacophony.Model.FrontEnd;

/// <summary>
/// The encoder's input: patches [Count, 256] (16 frames x 16 mel bins, flattened time-major), the time
/// and frequency index of each, and the mask (1 = real patch). Real patches come first, in sequence order.
/// </summary>
public sealed record AudioPatches(float[] Patches, int[] TimeIndices, int[] FrequencyIndices, int[] Mask, int RealCount)
{
    public int Count => Mask.Length;

    /// <summary>
    /// What the original computes for a clip without a single patch (under 160 ms), as one position. It pads the
    /// sequence and masks the padding, so such a clip is all padding: identical rows (a zero patch at t = f = 0)
    /// whose every attention has all its keys masked to float32.MinValue, hence uniform. Uniform attention over
    /// identical rows is attention to one of them, so every padded row comes out as a lone zero patch at
    /// t = f = 0 attending to itself, and the pool's uniform average of them is that row.
    /// </summary>
    public static AudioPatches PaddingOnly(int patchSize) => new(new float[patchSize], [0], [0], [1], 1);

    /// <summary>This clip as the encoder takes it: itself, or <see cref="PaddingOnly"/> when it has no real patch.</summary>
    public AudioPatches ForEncoder(int patchSize) => RealCount > 0 ? this : PaddingOnly(patchSize);
}
