namespace Cacophony.Model.Audio;

/// <summary>
/// The encoder's input: patches [Count, 256] (16 frames x 16 mel bins, flattened time-major), the time
/// and frequency index of each, and the mask (1 = real patch). Real patches come first, in sequence order.
/// </summary>
public sealed record AudioPatches(float[] Patches, int[] TimeIndices, int[] FrequencyIndices, int[] Mask, int RealCount)
{
    public int Count => Mask.Length;
}
