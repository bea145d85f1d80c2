using Cacophony.Kernels.Cpu;
using Cacophony.Model.Audio;
using Cacophony.Model.Layers;
using Cacophony.Weights;

namespace Cacophony.Model;

/// <summary>
/// The ViT audio encoder (Flax AudioEncoder): patch embedding + sin/cos time embedding + learned
/// frequency embedding, pre-LN blocks x += Attn(LN1(x)), x += W2 SiLU(W1 LN2(x)), a final LayerNorm.
/// Only real patches are computed: padding is masked out of every attention, so it cannot change them.
/// </summary>
public sealed class AudioEncoder
{
    sealed record Block(Norm Norm1, Linear Qkv, Linear Out, Norm Norm2, Linear Fc1, Linear Fc2);

    readonly AudioEncoderConfig _config;
    readonly Linear _patchEmbed;
    readonly float[] _freqEmbed;
    readonly Block[] _blocks;
    readonly Norm _norm;

    public int Width => _config.HiddenSize;

    public AudioEncoder(WeightLoader weights, AudioEncoderConfig config, string prefix = "audio")
    {
        _config = config;
        double eps = config.LayerNormEps;
        _patchEmbed = weights.Linear($"{prefix}.patch_embed");
        _freqEmbed = weights.Tensor($"{prefix}.freq_embed");
        _blocks = Enumerable.Range(0, config.NumLayers).Select(i => new AudioBlockNames(prefix, i)).Select(n => new Block(
            weights.Norm(n.Norm1, eps), weights.FusedLinear(n.QueryKeyValue), weights.Linear(n.Out),
            weights.Norm(n.Norm2, eps), weights.Linear(n.Fc1), weights.Linear(n.Fc2))).ToArray();
        _norm = weights.Norm($"{prefix}.norm", eps);
    }

    /// <summary>Hidden states [RealCount, width] of the real patches, in sequence order.</summary>
    public float[] Forward(AudioPatches input) => Forward([input]);

    /// <summary>
    /// A batch of clips in one pass: the real patches of all clips are stacked into one matrix, so every
    /// dense layer is one GEMM over all of them; attention stays within each clip. The rows of each clip
    /// come out exactly as if it were alone (the GEMM computes every row independently).
    /// </summary>
    public float[] Forward(IReadOnlyList<AudioPatches> batch)
    {
        int h = Width, patchSize = _patchEmbed.Inputs;
        var offsets = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) offsets[b + 1] = offsets[b] + batch[b].RealCount;
        int s = offsets[^1];
        var patches = new float[s * patchSize];
        for (int b = 0; b < batch.Count; b++)
            batch[b].Patches.AsSpan(0, batch[b].RealCount * patchSize).CopyTo(patches.AsSpan(offsets[b] * patchSize));
        var x = _patchEmbed.Apply(patches, s);
        for (int b = 0; b < batch.Count; b++)
            AddPositions(x.AsSpan(offsets[b] * h, batch[b].RealCount * h), batch[b].TimeIndices, batch[b].FrequencyIndices, batch[b].RealCount);

        using var scratch = new Scratch();
        var normed = scratch.Get(0, s * h);
        var qkv = scratch.Get(1, s * 3 * h);
        var attended = scratch.Get(2, s * h);
        var hidden = scratch.Get(3, s * _config.IntermediateSize);
        float scale = 1 / MathF.Sqrt(h / _config.NumHeads);
        foreach (var block in _blocks)
        {
            block.Norm1.Apply(x, s, normed);
            block.Qkv.Apply(normed, s, qkv);
            for (int b = 0; b < batch.Count; b++)
            {
                int from = offsets[b] * 3 * h, rows = batch[b].RealCount;
                Attention.Run(qkv[from..], 3 * h, rows, qkv[(from + h)..], qkv[(from + 2 * h)..], 3 * h, rows, h, _config.NumHeads,
                    causal: false, scale, attended[(offsets[b] * h)..]);
            }
            block.Out.ApplyAdd(attended, s, x, x);

            block.Norm2.Apply(x, s, normed);
            block.Fc1.Apply(normed, s, hidden, Activation.SiLU);
            block.Fc2.ApplyAdd(hidden, s, x, x);
        }
        _norm.Apply(x, s, x);
        return x;
    }

    /// <summary>
    /// x[i] += concat(sin(t w), cos(t w)) + freq_embed[f], w_j = exp(-2 j ln(10000) / H), in float64. The 8
    /// patches of a time step share t, so each step's sin / cos row is computed once (it was 6 ms of serial
    /// float64 trigonometry per 10 s clip).
    /// </summary>
    void AddPositions(Span<float> x, int[] time, int[] freq, int s)
    {
        int h = Width, half = h / 2;
        var w = new double[half];
        for (int j = 0; j < half; j++) w[j] = Math.Exp(-2.0 * j * Math.Log(_config.MaxTimeInd) / h);
        var rows = new Dictionary<int, float[]>();
        for (int i = 0; i < s; i++)
        {
            if (!rows.TryGetValue(time[i], out var sinCos))
            {
                sinCos = new float[h];
                for (int j = 0; j < half; j++)
                {
                    double angle = time[i] * w[j];
                    sinCos[j] = (float)Math.Sin(angle);
                    sinCos[half + j] = (float)Math.Cos(angle);
                }
                rows[time[i]] = sinCos;
            }
            var row = x.Slice(i * h, h);
            var freqRow = _freqEmbed.AsSpan(freq[i] * h, h);
            for (int j = 0; j < h; j++) row[j] = row[j] + sinCos[j] + freqRow[j];
        }
    }
}
