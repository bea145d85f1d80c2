using Cacophony.Kernels;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

namespace Cacophony.Model;

/// <summary>
/// The ViT audio encoder (Flax AudioEncoder): patch embedding + sin/cos time embedding + learned
/// frequency embedding, pre-LN blocks x += Attn(LN1(x)), x += W2 SiLU(W1 LN2(x)), a final LayerNorm.
/// Only real patches are computed: padding is masked out of every attention, so it cannot change them.
/// </summary>
sealed class AudioEncoder
{
    sealed record Block(Norm Norm1, Linear Qkv, Linear Out, Norm Norm2, Linear Fc1, Linear Fc2);

    readonly IComputeBackend _backend;
    readonly AudioEncoderConfig _config;
    readonly Linear _patchEmbed;
    readonly PatchPositionWeights _positions;
    readonly Block[] _blocks;
    readonly Norm _norm;

    public int Width => _config.HiddenSize;
    public int PatchSize => _patchEmbed.Inputs;

    public AudioEncoder(WeightLoader weights, AudioEncoderConfig config, AudioEncoderNames names)
    {
        _backend = weights.Backend;
        _config = config;
        double eps = config.LayerNormEps;
        _patchEmbed = weights.Linear(names.PatchEmbed);
        _positions = _backend.PatchPositions(weights.Tensor(names.FreqEmbed), config.HiddenSize, config.MaxTimeInd);
        _blocks = Enumerable.Range(0, config.NumLayers).Select(names.Block).Select(n => new Block(
            weights.Norm(n.Norm1, eps), weights.FusedLinear(n.Query, n.Key, n.Value), weights.Linear(n.Out),
            weights.Norm(n.Norm2, eps), weights.Linear(n.Fc1), weights.Linear(n.Fc2))).ToArray();
        _norm = weights.Norm(names.Norm, eps);
    }

    /// <summary>Where each clip's real patches begin in the stacked rows (clips + 1 entries).</summary>
    public static int[] Offsets(IReadOnlyList<AudioPatches> batch)
    {
        var offsets = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) offsets[b + 1] = offsets[b] + batch[b].RealCount;
        return offsets;
    }

    /// <summary>Host patches up to the backend: the real patches of every clip, stacked.</summary>
    public Tensor Upload(IReadOnlyList<AudioPatches> batch)
    {
        var offsets = Offsets(batch);
        var patches = new float[offsets[^1] * PatchSize];
        for (int b = 0; b < batch.Count; b++)
            batch[b].Patches.AsSpan(0, batch[b].RealCount * PatchSize).CopyTo(patches.AsSpan(offsets[b] * PatchSize));
        return _backend.Upload(patches);
    }

    /// <summary>
    /// A batch of clips in one pass: the real patches of all clips are stacked into one matrix, so every dense
    /// layer is one product over all of them; attention stays within each clip. The rows of each clip come out
    /// exactly as if it were alone (every row of a product is computed independently). Returns the hidden
    /// states [real patches, width] on the backend; the caller disposes them.
    /// </summary>
    /// <param name="patches">The real patches of all clips, stacked, on the backend.</param>
    /// <param name="batch">Each clip's patch indices (its values are not read).</param>
    public Tensor Forward(TensorView patches, IReadOnlyList<AudioPatches> batch)
    {
        var offsets = Offsets(batch);
        int h = Width, s = offsets[^1], heads = _config.NumHeads;
        if (s == 0) throw new ArgumentException("a clip with no patches cannot be encoded");
        var x = _backend.Allocate((long)s * h);
        _patchEmbed.Apply(patches, s, x);
        _backend.AddPatchPositions(_positions, Stacked(batch, p => p.TimeIndices), Stacked(batch, p => p.FrequencyIndices), x);

        using var work = new Workspace(_backend);
        var normed = work.Get(0, (long)s * h);
        var qkv = work.Get(1, (long)s * 3 * h);
        var attended = work.Get(2, (long)s * h);
        var hidden = work.Get(3, (long)s * _config.IntermediateSize);
        float scale = 1 / MathF.Sqrt(h / heads);
        foreach (var block in _blocks)
        {
            // x = x + Attn(LN1(x)), attention within each clip.
            block.Norm1.Apply(x, s, normed);
            block.Qkv.Apply(normed, s, qkv);
            for (int b = 0; b < batch.Count; b++)
            {
                var clip = qkv.From((long)offsets[b] * 3 * h);
                int rows = offsets[b + 1] - offsets[b];
                _backend.Attention(clip, 3 * h, rows, clip.From(h), clip.From(2 * h), 3 * h, rows, h, heads, causal: false, scale, attended.From((long)offsets[b] * h));
            }
            block.Out.ApplyAdd(attended, s, residual: x, x);

            // x = x + W2 SiLU(W1 LN2(x)).
            block.Norm2.Apply(x, s, normed);
            block.Fc1.Apply(normed, s, hidden, Activation.SiLU);
            block.Fc2.ApplyAdd(hidden, s, residual: x, x);
        }
        _norm.Apply(x, s, x);
        return x;
    }

    static int[] Stacked(IReadOnlyList<AudioPatches> batch, Func<AudioPatches, int[]> indices) =>
        batch.SelectMany(p => indices(p).Take(p.RealCount)).ToArray();
}
