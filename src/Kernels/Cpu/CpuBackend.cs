using System.Numerics.Tensors;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// The CPU engine: the SIMD kernels of this folder (<see cref="Gemm"/> with its fused epilogues,
/// <see cref="Attention"/>, <see cref="LayerNorm"/>, the float64 <see cref="LogMelSpectrogram"/>) on managed
/// arrays, on <see cref="WorkerPool"/>'s threads. Nothing is queued: each operation is done when it returns.
/// </summary>
/// <param name="int8Weights">
/// Quantize every dense layer's weights to int8 per output channel as they are prepared, and run those layers as
/// int8 products (activations quantized per row on the fly, <see cref="Int8.Int8Gemm"/>); attention, softmax and
/// the norms stay float32.
/// </param>
public sealed class CpuBackend(bool int8Weights = false) : IComputeBackend
{
    /// <summary>Whether dense layers run as int8 products (their float weights quantized as they are prepared).</summary>
    public bool Int8Weights => int8Weights;

    public string Description => $"CPU engine ({Isa.Describe(Isa.Active)}, {WorkerPool.Width} threads"
        + (int8Weights ? $"; int8 weights, {Int8.Int8Kernels.Describe(Int8.Int8Kernels.Detected)})" : ")");

    public Tensor Allocate(long length) => CpuTensor.Rent(length);

    public Tensor Upload(ReadOnlySpan<float> values) => new CpuTensor(values.ToArray(), values.Length, pooled: false);

    public void Upload(ReadOnlySpan<float> values, TensorView destination) => values.CopyTo(CpuTensor.Span(destination));

    public void Download(TensorView source, Span<float> destination) => CpuTensor.Span(source).CopyTo(destination);

    public void CopyRows(TensorView source, int sourceStride, TensorView destination, int destinationStride, int rows, int width)
    {
        var from = CpuTensor.Rest(source);
        var to = CpuTensor.Rest(destination);
        for (int r = 0; r < rows; r++) from.Slice(r * sourceStride, width).CopyTo(to.Slice(r * destinationStride, width));
    }

    public LinearBuilder Linear(int inputs, int outputs) => int8Weights ? new CpuInt8LinearBuilder(inputs, outputs) : new CpuLinearBuilder(inputs, outputs);

    public NormWeights Norm(float[] scale, float[] bias, float eps) => new CpuNorm(scale, bias, eps);

    public PoolWeights Pool(float[] scorers, int inputs, int heads, ReadOnlySpan<float> value, int valueStride, int valueColumn, float[] valueBias) =>
        new CpuPool(scorers, inputs, heads, value, valueStride, valueColumn, valueBias);

    public TokenEmbeddingWeights TokenEmbedding(IRowSource word, float[] position, float[] tokenType) => new CpuTokenEmbedding(word, position, tokenType);

    public PatchPositionWeights PatchPositions(float[] frequency, int width, double maxTimeIndex) => new CpuPatchPositions(frequency, width, maxTimeIndex);

    public LogMelPlan LogMel(LogMelSettings settings) => new CpuLogMel(settings);

    public void Linear(LinearWeights weights, TensorView x, int rows, TensorView y, Activation activation = Activation.None)
    {
        if (weights is CpuInt8Linear quantized)
        {
            Int8.Int8Gemm.Multiply(CpuTensor.Span(x), rows, quantized.Weight, quantized.Bias, CpuTensor.Span(y)[..(rows * quantized.Outputs)], activation: activation);
            return;
        }
        var linear = Own(weights);
        Gemm.Multiply(CpuTensor.Span(x), rows, linear.Weight, linear.Bias, CpuTensor.Span(y), activation);
    }

    public void LinearAdd(LinearWeights weights, TensorView x, int rows, TensorView residual, TensorView y)
    {
        if (weights is CpuInt8Linear quantized)
        {
            int count = rows * quantized.Outputs;
            Int8.Int8Gemm.Multiply(CpuTensor.Span(x), rows, quantized.Weight, quantized.Bias, CpuTensor.Span(y)[..count], residual: CpuTensor.Span(residual)[..count]);
            return;
        }
        var linear = Own(weights);
        Gemm.MultiplyAdd(CpuTensor.Span(x), rows, linear.Weight, linear.Bias, CpuTensor.Span(residual), CpuTensor.Span(y));
    }

    public void LayerNorm(NormWeights norm, TensorView x, int rows, TensorView y)
    {
        var n = norm as CpuNorm ?? throw Foreign();
        Cpu.LayerNorm.Apply(CpuTensor.Span(x), rows, n.Width, n.Scale, n.Bias, n.Eps, CpuTensor.Span(y));
    }

    public void Attention(TensorView q, int queryStride, int queries, TensorView k, TensorView v, int keyValueStride, int keys,
        int width, int heads, bool causal, float scale, TensorView output) =>
        Cpu.Attention.Run(CpuTensor.Rest(q), queryStride, queries, CpuTensor.Rest(k), CpuTensor.Rest(v), keyValueStride, keys, width, heads, causal, scale,
            CpuTensor.Rest(output));

    public void Pool(PoolWeights pool, TensorView hidden, ReadOnlySpan<int> offsets, TensorView pooled)
    {
        var p = pool as CpuPool ?? throw Foreign();
        var rows = CpuTensor.Rest(hidden);
        var into = CpuTensor.Rest(pooled);
        for (int b = 0; b + 1 < offsets.Length; b++)
            p.Forward(rows.Slice(offsets[b] * p.Inputs), offsets[b + 1] - offsets[b], into.Slice(b * p.Outputs, p.Outputs));
    }

    public void EmbedTokens(TokenEmbeddingWeights embedding, ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, TensorView x)
    {
        var e = embedding as CpuTokenEmbedding ?? throw Foreign();
        int t = e.Width;
        var rows = CpuTensor.Rest(x);
        for (int i = 0; i < ids.Length; i++)
        {
            var row = rows.Slice(i * t, t);
            e.Word.CopyRow(ids[i], row);
            TensorPrimitives.Add(row, e.Position.AsSpan(positions[i] * t, t), row);
            TensorPrimitives.Add(row, e.TokenType.AsSpan(0, t), row);
        }
    }

    /// <summary>The patches of a time step share t, so each step's sin / cos row is computed once.</summary>
    public void AddPatchPositions(PatchPositionWeights positions, ReadOnlySpan<int> time, ReadOnlySpan<int> frequency, TensorView x)
    {
        var p = positions as CpuPatchPositions ?? throw Foreign();
        int h = p.Width, half = h / 2;
        var span = CpuTensor.Rest(x);
        var w = new double[half];
        for (int j = 0; j < half; j++) w[j] = Math.Exp(-2.0 * j * Math.Log(p.MaxTimeIndex) / h);
        var rows = new Dictionary<int, float[]>();
        for (int i = 0; i < time.Length; i++)
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
            var row = span.Slice(i * h, h);
            var freqRow = p.Frequency.AsSpan(frequency[i] * h, h);
            for (int j = 0; j < h; j++) row[j] = row[j] + sinCos[j] + freqRow[j];
        }
    }

    public Tensor LogMel(LogMelPlan plan, ReadOnlySpan<double> samples, out int frames)
    {
        var spectrogram = (plan as CpuLogMel ?? throw Foreign()).Spectrogram;
        var mel = spectrogram.Compute(samples);
        frames = mel.Length / spectrogram.MelBins;
        return new CpuTensor(mel, mel.Length, pooled: false);
    }

    public void GatherPatches(TensorView mel, int melBins, ReadOnlySpan<int> keep, int patchTime, int patchFreq, TensorView patches)
    {
        var from = CpuTensor.Rest(mel);
        var to = CpuTensor.Rest(patches);
        int freqs = melBins / patchFreq, size = patchTime * patchFreq;
        for (int s = 0; s < keep.Length; s++)
        {
            int t = keep[s] / freqs, f = keep[s] % freqs;
            var patch = to.Slice(s * size, size);
            for (int dt = 0; dt < patchTime; dt++)
                from.Slice((t * patchTime + dt) * melBins + f * patchFreq, patchFreq).CopyTo(patch.Slice(dt * patchFreq, patchFreq));
        }
    }

    static CpuLinear Own(LinearWeights weights) => weights as CpuLinear ?? throw Foreign();

    static ArgumentException Foreign() => new("weights prepared by another backend");

    public void Dispose()
    {
    }
}
