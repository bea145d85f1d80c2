namespace Cacophony.Kernels;

/// <summary>
/// Where the network runs: the CPU engine's SIMD kernels or an accelerator's. The model is written once over
/// these operations (src/Model), so each is as coarse as the network needs it and carries the fusions the
/// engines rely on: a dense layer with its bias, activation and residual add; attention reading q, k and v in
/// place from a fused projection; a pool over whole sequences. Tensors are the backend's own
/// (<see cref="Tensor"/>): values stay where they are computed until <see cref="Download"/>.
///
/// Rows of several sequences are stacked in one tensor, so every dense layer is one product over all of them;
/// `offsets` (sequences + 1 entries, ascending) say where each sequence's rows begin. Operations run in order;
/// an accelerator may queue them, and <see cref="Download"/> waits for what it reads.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>The device in words, e.g. "CPU engine (AVX-512, 2 threads)" or "Cuda NVIDIA H100".</summary>
    string Description { get; }

    // Memory.

    /// <summary>A tensor of `length` values whose contents are undefined until written.</summary>
    Tensor Allocate(long length);

    Tensor Upload(ReadOnlySpan<float> values);

    void Upload(ReadOnlySpan<float> values, TensorView destination);

    void Download(TensorView source, Span<float> destination);

    /// <summary>`rows` rows of `width` values from rows `sourceStride` apart to rows `destinationStride` apart (the KV-cache append).</summary>
    void CopyRows(TensorView source, int sourceStride, TensorView destination, int destinationStride, int rows, int width);

    // Weights, prepared once at load.

    LinearBuilder Linear(int inputs, int outputs);

    NormWeights Norm(float[] scale, float[] bias, float eps);

    /// <param name="scorers">inputs x heads: column h is W_k,h q_h.</param>
    /// <param name="value">W_v as (in, out) rows `valueStride` floats apart, its first column at `valueColumn`.</param>
    PoolWeights Pool(float[] scorers, int inputs, int heads, ReadOnlySpan<float> value, int valueStride, int valueColumn, float[] valueBias);

    TokenEmbeddingWeights TokenEmbedding(IRowSource word, float[] position, float[] tokenType);

    /// <param name="frequency">One learned row of `width` values per frequency index.</param>
    /// <param name="maxTimeIndex">The sin/cos base (10000): angle_j = t exp(-2 j ln(base) / width).</param>
    PatchPositionWeights PatchPositions(float[] frequency, int width, double maxTimeIndex);

    LogMelPlan LogMel(LogMelSettings settings);

    // Operations.

    /// <summary>y = activation(x W + b) for `rows` rows.</summary>
    void Linear(LinearWeights weights, TensorView x, int rows, TensorView y, Activation activation = Activation.None);

    /// <summary>y = x W + b + residual; residual may be y itself (x += W h + b in place), else must not overlap it.</summary>
    void LinearAdd(LinearWeights weights, TensorView x, int rows, TensorView residual, TensorView y);

    /// <summary>y = LayerNorm(x) per row; y may be x.</summary>
    void LayerNorm(NormWeights norm, TensorView x, int rows, TensorView y);

    /// <summary>
    /// Multi-head scaled dot-product attention of one sequence: `queries` rows of q (every `queryStride` floats)
    /// over `keys` rows of k and v (every `keyValueStride`), heads side by side in `width` columns, output rows of
    /// `width`. The keys are the sequence's unpadded ones (the key-padding mask is their count); with `causal`,
    /// query i sees keys j &lt;= i + keys - queries, so queries appended after cached keys see all before them.
    /// </summary>
    void Attention(TensorView q, int queryStride, int queries, TensorView k, TensorView v, int keyValueStride, int keys,
        int width, int heads, bool causal, float scale, TensorView output);

    /// <summary>Pools each sequence's rows of `hidden` into one row of `pooled` (see <see cref="PoolWeights"/>).</summary>
    void Pool(PoolWeights pool, TensorView hidden, ReadOnlySpan<int> offsets, TensorView pooled);

    /// <summary>x[i] = word[ids[i]] + position[positions[i]] + token_type[0].</summary>
    void EmbedTokens(TokenEmbeddingWeights embedding, ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, TensorView x);

    /// <summary>x[i] += concat(sin(t_i w), cos(t_i w)) + frequency[f_i], the angles in float64.</summary>
    void AddPatchPositions(PatchPositionWeights positions, ReadOnlySpan<int> time, ReadOnlySpan<int> frequency, TensorView x);

    /// <summary>The log-mel [frames, mel bins] of 16 kHz samples (<see cref="LogMelSettings"/>).</summary>
    Tensor LogMel(LogMelPlan plan, ReadOnlySpan<double> samples, out int frames);

    /// <summary>
    /// Patches keep[i] of a log-mel (patch p = (t, f) for f-major index t * (melBins / patchFreq) + f: frames
    /// patchTime t .. +patchTime, bins patchFreq f .. +patchFreq, flattened time-major) into consecutive rows.
    /// </summary>
    void GatherPatches(TensorView mel, int melBins, ReadOnlySpan<int> keep, int patchTime, int patchFreq, TensorView patches);
}
