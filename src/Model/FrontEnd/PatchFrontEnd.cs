using Cacophony.Audio;
using Cacophony.Kernels;
using Cacophony.Weights;

namespace Cacophony.Model.FrontEnd;

/// <summary>
/// The front end on the model's backend, from 16 kHz samples to the encoder's input: the log-mel
/// (<c>IComputeBackend.LogMel</c>), then the kept patches gathered straight into the stacked input, so
/// that on a device the patches never leave it. Which patches are kept (the sequence policy's choice) is decided
/// on the host, as in <see cref="Patchifier"/>; on the CPU engine the patches are those of
/// <see cref="AudioFrontEnd.Process(DecodedAudio, SequencePolicy)"/>, bit for bit.
/// </summary>
sealed class PatchFrontEnd(IComputeBackend backend, PreprocessingConfig config)
{
    readonly LogMelPlan _plan = backend.LogMel(config.LogMel());

    int PatchSize => config.PatchTime * config.PatchFreq;

    /// <summary>
    /// The stacked real patches of the clips on the backend (the caller disposes them) and each clip's patch
    /// indices. A clip with no patch (under 160 ms) gets <see cref="AudioPatches.PaddingOnly"/>, said in `PaddingOnly`.
    /// </summary>
    public (Tensor Patches, AudioPatches[] Clips, bool[] PaddingOnly) Patches(IReadOnlyList<double[]> waveforms, SequencePolicy policy)
    {
        int freqs = config.NumMelBins / config.PatchFreq;
        var exact = policy with { Padding = SequencePadding.Exact };
        var keeps = waveforms.Select(w => Patchifier.Select(_plan.Settings.FrameCount(w.Length) / config.PatchTime * freqs, exact)).ToArray();
        var clips = keeps.Select(keep => keep.Length == 0 ? AudioPatches.PaddingOnly(PatchSize)
            : new AudioPatches([], keep.Select(i => i / freqs).ToArray(), keep.Select(i => i % freqs).ToArray(), Enumerable.Repeat(1, keep.Length).ToArray(), keep.Length)).ToArray();
        var patches = backend.Allocate((long)clips.Sum(c => c.RealCount) * PatchSize);
        try
        {
            long offset = 0;
            for (int b = 0; b < clips.Length; b++)
            {
                var destination = patches.From(offset * PatchSize);
                if (keeps[b].Length == 0) backend.Upload(clips[b].Patches, destination);
                else
                {
                    using var mel = backend.LogMel(_plan, waveforms[b], out _);
                    backend.GatherPatches(mel, config.NumMelBins, keeps[b], config.PatchTime, config.PatchFreq, destination);
                }
                offset += clips[b].RealCount;
            }
            return (patches, clips, keeps.Select(keep => keep.Length == 0).ToArray());
        }
        catch
        {
            patches.Dispose();
            throw;
        }
    }
}
