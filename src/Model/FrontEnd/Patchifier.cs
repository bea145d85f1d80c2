namespace Cacophony.Model.FrontEnd;

/// <summary>
/// Log-mel [frames, 128] -> 16x16 patches. Trailing frames are dropped to a multiple of 16; patch (t, f)
/// holds frames 16t..16t+15 x mel bins 16f..16f+15 flattened time-major (index dt*16 + df); the sequence
/// runs t-major: (t0,f0) .. (t0,f7), (t1,f0) ... Then the sequence policy pads or selects.
/// </summary>
public static class Patchifier
{
    public static AudioPatches Patchify(ReadOnlySpan<float> mel, int melBins, int patchTime, int patchFreq, SequencePolicy policy)
    {
        int frames = mel.Length / melBins, times = frames / patchTime, freqs = melBins / patchFreq, size = patchTime * patchFreq;
        int total = times * freqs;
        var keep = Select(total, policy);
        int count = policy.Padding == SequencePadding.Pad ? Math.Max(policy.Length, 0) : keep.Length;
        var patches = new float[count * size];
        var timeIndices = new int[count];
        var freqIndices = new int[count];
        var mask = new int[count];
        for (int s = 0; s < keep.Length; s++)
        {
            int t = keep[s] / freqs, f = keep[s] % freqs;
            timeIndices[s] = t;
            freqIndices[s] = f;
            mask[s] = 1;
            var patch = patches.AsSpan(s * size, size);
            for (int dt = 0; dt < patchTime; dt++)
                mel.Slice((t * patchTime + dt) * melBins + f * patchFreq, patchFreq).CopyTo(patch.Slice(dt * patchFreq, patchFreq));
        }
        return new AudioPatches(patches, timeIndices, freqIndices, mask, keep.Length);
    }

    /// <summary>The indices of the patches kept, ascending.</summary>
    public static int[] Select(int total, SequencePolicy policy)
    {
        if (policy.Length <= 0) throw new ArgumentException($"sequence length must be positive, not {policy.Length}");
        if (total <= policy.Length) return Enumerable.Range(0, total).ToArray();
        switch (policy.Overflow)
        {
            case SequenceOverflow.First:
                return Enumerable.Range(0, policy.Length).ToArray();
            case SequenceOverflow.Indices:
                var given = policy.KeepIndices ?? throw new ArgumentException("the 'indices' overflow policy needs the indices to keep");
                if (given.Length != policy.Length || given.Any(i => i < 0 || i >= total) || given.Distinct().Count() != given.Length)
                    throw new ArgumentException($"keep indices must be {policy.Length} distinct values in [0, {total})");
                return [.. given.Order()];
            default:
                // Shuffle all indices (Fisher-Yates), keep the first Length, restore their order.
                var random = new Random(policy.Seed);
                var order = Enumerable.Range(0, total).ToArray();
                random.Shuffle(order);
                return [.. order.Take(policy.Length).Order()];
        }
    }
}
