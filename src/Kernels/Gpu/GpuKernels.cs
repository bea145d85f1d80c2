using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// Every kernel, compiled and loaded once per accelerator when this is constructed (at model load): ILGPU's
/// first launch of a kernel otherwise costs hundreds of milliseconds of compilation.
/// </summary>
public sealed class GpuKernels
{
    public Accelerator Accelerator { get; }

    // Threads per LayerNorm row: the CPU simulator pays a thread switch per thread at every barrier.
    readonly int _normThreads;

    readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _gemm;
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _gemmHalf;
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> _layerNorm;
    readonly Action<KernelConfig, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, int, int, int, int, float> _attention;
    readonly Action<KernelConfig, ArrayView<float>, int, float> _softmax;
    readonly Action<KernelConfig, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _stft;
    readonly Action<Index1D, ArrayView<float>> _logMel;
    readonly Action<Index1D, ArrayView<float>, int, ArrayView<float>, int, int> _copyRows;
    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int> _gatherPatches;
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _add;
    readonly Action<Index1D, ArrayView<float>, int> _activate;
    readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _embed;
    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, double> _audioPositions;

    public GpuKernels(Accelerator accelerator)
    {
        Accelerator = accelerator;
        _normThreads = accelerator.AcceleratorType == AcceleratorType.CPU ? 32 : LayerNormKernel.MaxThreads;
        _gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GemmKernel.Run);
        _gemmHalf = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GemmKernel.RunHalfWeights);
        _layerNorm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LayerNormKernel.Run);
        _attention = accelerator.LoadStreamKernel<ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, int, int, int, int, float>(AttentionKernel.Run);
        _softmax = accelerator.LoadStreamKernel<ArrayView<float>, int, float>(SoftmaxKernel.Run);
        _stft = accelerator.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(StftKernel.Run);
        _logMel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(ElementwiseKernels.LogMel);
        _copyRows = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, int>(ElementwiseKernels.CopyRows);
        _gatherPatches = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int>(ElementwiseKernels.GatherPatches);
        _add = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Add);
        _activate = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(ElementwiseKernels.Activate);
        _embed = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.Embed);
        _audioPositions = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, double>(ElementwiseKernels.AddAudioPositions);
    }

    static ArrayView<float> Empty => ArrayView<float>.Empty;

    /// <summary>c[m, n] = act(a[m, k] b[k, n] + bias) (+ residual); bias and residual may be empty.</summary>
    public void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, int m, int k, int n,
        Activation epilogue = Activation.None, ArrayView<float> residual = default)
    {
        if (m == 0) return;
        _gemm(GemmKernel.Config(m, n), a, b, bias.IsValid ? bias : Empty, residual.IsValid ? residual : Empty, c, m, k, n, (int)epilogue);
    }

    /// <summary>The same with B stored as float16 (half the weight memory and bandwidth), accumulated in float32.</summary>
    public void Gemm(ArrayView<float> a, ArrayView<ushort> b, ArrayView<float> bias, ArrayView<float> c, int m, int k, int n,
        Activation epilogue = Activation.None, ArrayView<float> residual = default)
    {
        if (m == 0) return;
        _gemmHalf(GemmKernel.Config(m, n), a, b, bias.IsValid ? bias : Empty, residual.IsValid ? residual : Empty, c, m, k, n, (int)epilogue);
    }

    public void LayerNorm(ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, int rows, int width, float eps)
    {
        if (rows > 0) _layerNorm(LayerNormKernel.Config(rows, _normThreads), x, scale, bias, y, width, eps);
    }

    /// <summary>Attention of `queries` rows over `keys` rows for `heads` heads of width d (see <see cref="AttentionKernel"/>).</summary>
    public void Attention(ArrayView<float> q, int qStride, ArrayView<float> k, ArrayView<float> v, int kvStride, ArrayView<float> output, int outStride,
        int queries, int keys, int heads, int d, bool causal, float scale)
    {
        if (d > AttentionKernel.MaxHeadWidth) throw new ArgumentException($"head width {d} exceeds {AttentionKernel.MaxHeadWidth}");
        if (queries > 0) _attention(AttentionKernel.Config(queries, heads), q, qStride, k, v, kvStride, output, outStride, queries, keys, d, causal ? 1 : 0, scale);
    }

    /// <summary>x = softmax(scale * x) per row, in place.</summary>
    public void Softmax(ArrayView<float> x, int rows, int width, float scale)
    {
        if (rows > 0) _softmax(new KernelConfig(rows, _normThreads), x, width, scale);
    }

    /// <summary>|STFT| [frames, 257] of `count` samples (see <see cref="StftKernel"/>).</summary>
    public void StftMagnitudes(ArrayView<float> samples, int count, int hop, ArrayView<float> window, ArrayView<float> twiddleCos, ArrayView<float> twiddleSin,
        ArrayView<float> magnitudes, int frames)
    {
        if (frames > 0) _stft(StftKernel.Config(frames), samples, count, hop, window, twiddleCos, twiddleSin, magnitudes);
    }

    /// <summary>rows x width values from `source` (row stride sourceStride) to contiguous `destination`: the KV-cache append.</summary>
    public void CopyRows(ArrayView<float> source, int sourceStride, ArrayView<float> destination, int destinationStride, int rows, int width)
    {
        if (rows > 0) _copyRows(rows * width, source, sourceStride, destination, destinationStride, width);
    }

    public void LogMel(ArrayView<float> x) => _logMel((int)x.Length, x);

    public void GatherPatches(ArrayView<float> mel, ArrayView<int> keep, ArrayView<float> patches, int rows, int melBins, int patchTime, int patchFreq) =>
        _gatherPatches(rows * patchTime * patchFreq, mel, keep, patches, melBins, patchTime, patchFreq);

    public void Add(ArrayView<float> x, ArrayView<float> y) => _add((int)x.Length, x, y);

    public void Activate(ArrayView<float> x, Activation activation) => _activate((int)x.Length, x, (int)activation);

    public void Embed(ArrayView<int> ids, ArrayView<int> positions, ArrayView<float> word, ArrayView<float> position, ArrayView<float> tokenType,
        ArrayView<float> x, int rows, int width) => _embed(rows * width, ids, positions, word, position, tokenType, x, width);

    public void AddAudioPositions(ArrayView<float> x, ArrayView<int> time, ArrayView<int> frequency, ArrayView<float> frequencyEmbedding, int rows, int width, double logMaxTime) =>
        _audioPositions(rows * width, x, time, frequency, frequencyEmbedding, width, logMaxTime);
}
