using Cacophony.Kernels.Gpu;
using Cacophony.Model.Layers;
using Cacophony.Model.Audio;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The audio encoder (see <see cref="AudioEncoder"/>) on an ILGPU accelerator: the same pre-LN blocks, with
/// the bias, SiLU and residual adds fused into the GEMM epilogues and attention flash-style. Activations stay
/// on the device for the whole pass; patches go up, hidden states come down.
/// </summary>
public sealed class GpuAudioEncoder
{
    sealed record Block(GpuNorm Norm1, GpuLinear Qkv, GpuLinear Out, GpuNorm Norm2, GpuLinear Fc1, GpuLinear Fc2);

    readonly GpuDevice _device;
    readonly AudioEncoderConfig _config;
    readonly GpuLinear _patchEmbed;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _freqEmbed;
    readonly Block[] _blocks;
    readonly GpuNorm _norm;

    public int Width => _config.HiddenSize;

    public GpuAudioEncoder(GpuDevice device, GpuWeights weights, AudioEncoderConfig config, string prefix = "audio")
    {
        _device = device;
        _config = config;
        double eps = config.LayerNormEps;
        _patchEmbed = weights.Linear($"{prefix}.patch_embed");
        _freqEmbed = weights.Tensor($"{prefix}.freq_embed");
        _blocks = Enumerable.Range(0, config.NumLayers).Select(i => new AudioBlockNames(prefix, i)).Select(n => new Block(
            weights.Norm(n.Norm1, eps), weights.FusedLinear(n.QueryKeyValue), weights.Linear(n.Out),
            weights.Norm(n.Norm2, eps), weights.Linear(n.Fc1), weights.Linear(n.Fc2))).ToArray();
        _norm = weights.Norm($"{prefix}.norm", eps);
    }

    /// <summary>
    /// Hidden states [sum of real patches, width] of a batch of clips, rows of each clip in order (as the CPU
    /// engine), and with a pool, each clip's pooled embedding computed on the device.
    /// </summary>
    public (float[] Hidden, float[][]? Pooled) Forward(IReadOnlyList<AudioPatches> batch, GpuAttentionPool? pool = null)
    {
        int patchSize = _patchEmbed.Inputs;
        var offsets = Offsets(batch);
        int s = offsets[^1];
        if (s == 0) throw new ArgumentException("a clip with no patches cannot be encoded");
        var patches = new float[s * patchSize];
        for (int b = 0; b < batch.Count; b++)
            batch[b].Patches.AsSpan(0, batch[b].RealCount * patchSize).CopyTo(patches.AsSpan(offsets[b] * patchSize));
        using var input = _device.Accelerator.Allocate1D(patches);
        return Run(input.View, batch, offsets, pool);
    }

    /// <summary>
    /// The same from 16 kHz waveforms, the front end on the device too (<see cref="GpuFrontEnd"/>): samples go
    /// up, the patches never leave the device. Returns the kept patches' indices with the results.
    /// </summary>
    public (float[] Hidden, float[][]? Pooled, AudioPatches[] Patches) Forward(GpuFrontEnd frontEnd, IReadOnlyList<float[]> waveforms, SequencePolicy policy, GpuAttentionPool? pool = null)
    {
        int patchSize = _patchEmbed.Inputs;
        var counts = waveforms.Select(w => frontEnd.PatchCount(w.Length, policy)).ToArray();
        int s = counts.Sum();
        if (counts.Any(c => c == 0)) throw new ArgumentException("a clip shorter than one patch (160 ms) cannot be encoded");
        using var input = _device.Accelerator.Allocate1D<float>((long)s * patchSize);
        var patches = new AudioPatches[waveforms.Count];
        for (int b = 0, offset = 0; b < waveforms.Count; offset += counts[b], b++)
            patches[b] = frontEnd.Patches(waveforms[b], policy, input.View.From((long)offset * patchSize));
        var (hidden, pooled) = Run(input.View, patches, Offsets(patches), pool);
        return (hidden, pooled, patches);
    }

    static int[] Offsets(IReadOnlyList<AudioPatches> batch)
    {
        var offsets = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) offsets[b + 1] = offsets[b] + batch[b].RealCount;
        return offsets;
    }

    (float[] Hidden, float[][]? Pooled) Run(ArrayView<float> input, IReadOnlyList<AudioPatches> batch, int[] offsets, GpuAttentionPool? pool)
    {
        var kernels = _device.Kernels;
        var accelerator = _device.Accelerator;
        int h = Width, s = offsets[^1];
        var time = new int[s];
        var frequency = new int[s];
        for (int b = 0; b < batch.Count; b++)
        {
            batch[b].TimeIndices.AsSpan(0, batch[b].RealCount).CopyTo(time.AsSpan(offsets[b]));
            batch[b].FrequencyIndices.AsSpan(0, batch[b].RealCount).CopyTo(frequency.AsSpan(offsets[b]));
        }
        using var times = accelerator.Allocate1D(time);
        using var frequencies = accelerator.Allocate1D(frequency);
        using var x = accelerator.Allocate1D<float>((long)s * h);
        using var normed = accelerator.Allocate1D<float>((long)s * h);
        using var qkv = accelerator.Allocate1D<float>((long)s * 3 * h);
        using var attended = accelerator.Allocate1D<float>((long)s * h);
        using var hidden = accelerator.Allocate1D<float>((long)s * _config.IntermediateSize);

        _patchEmbed.Apply(kernels, input, s, x.View);
        kernels.AddAudioPositions(x.View, times.View, frequencies.View, _freqEmbed.View, s, h, Math.Log(_config.MaxTimeInd));
        int heads = _config.NumHeads, d = h / heads;
        float scale = 1 / MathF.Sqrt(d);
        foreach (var block in _blocks)
        {
            block.Norm1.Apply(kernels, x.View, s, normed.View);
            block.Qkv.Apply(kernels, normed.View, s, qkv.View);
            for (int b = 0; b < batch.Count; b++)
            {
                int rows = batch[b].RealCount;
                if (rows == 0) continue;
                var clip = qkv.View.From((long)offsets[b] * 3 * h);
                kernels.Attention(clip, 3 * h, clip.From(h), clip.From(2 * h), 3 * h, attended.View.From((long)offsets[b] * h), h,
                    rows, rows, heads, d, causal: false, scale);
            }
            // x += attended W_out + b (residual fused), then x += W2 SiLU(W1 LN2(x) + b1) + b2.
            block.Out.Apply(kernels, attended.View, s, x.View, Epilogue.None, x.View);
            block.Norm2.Apply(kernels, x.View, s, normed.View);
            block.Fc1.Apply(kernels, normed.View, s, hidden.View, Epilogue.SiLU);
            block.Fc2.Apply(kernels, hidden.View, s, x.View, Epilogue.None, x.View);
        }
        _norm.Apply(kernels, x.View, s, x.View);
        var pooled = pool?.Run(_device, x.View, offsets).Projected;
        accelerator.Synchronize();
        return (x.GetAsArray1D(), pooled);
    }
}
