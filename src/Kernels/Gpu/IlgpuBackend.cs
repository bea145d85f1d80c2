using Cacophony.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// The network's operations on an ILGPU accelerator (CUDA, OpenCL, or ILGPU's CPU simulator): the GEMM with its
/// bias, activation and residual fused into the epilogue (<see cref="GemmKernel"/>), flash-style attention
/// (<see cref="AttentionKernel"/>), the STFT front end (<see cref="StftKernel"/>). Kernels are queued on the
/// accelerator's stream; <see cref="Download"/> waits for them. Weight buffers belong to the backend and are
/// freed with it. With `halfWeights`, dense-layer matrices are stored as float16 (half the memory and
/// bandwidth; products still accumulate in float32); embeddings, biases and norms stay float32.
/// </summary>
sealed class IlgpuBackend(GpuDevice device, bool halfWeights) : IComputeBackend
{
    readonly List<IDisposable> _weights = [];
    readonly Accelerator _accelerator = device.Accelerator;
    readonly GpuKernels _kernels = device.Kernels;

    public string Description => $"{device.Description}{(halfWeights ? ", float16 weights" : "")}";

    public Tensor Allocate(long length) => new GpuTensor(_accelerator.Allocate1D<float>(Math.Max(1, length)), length);

    public Tensor Upload(ReadOnlySpan<float> values)
    {
        var tensor = Allocate(values.Length);
        Upload(values, tensor);
        return tensor;
    }

    public void Upload(ReadOnlySpan<float> values, TensorView destination)
    {
        if (values.Length > 0) GpuTensor.Of(destination).SubView(0, values.Length).CopyFromCPU(values);
    }

    public void Download(TensorView source, Span<float> destination)
    {
        _accelerator.Synchronize();
        if (destination.Length > 0) GpuTensor.Of(source).SubView(0, destination.Length).CopyToCPU(destination);
    }

    public void CopyRows(TensorView source, int sourceStride, TensorView destination, int destinationStride, int rows, int width) =>
        _kernels.CopyRows(GpuTensor.Of(source, toEnd: true), sourceStride, GpuTensor.Of(destination, toEnd: true), destinationStride, rows, width);

    MemoryBuffer1D<float, Stride1D.Dense> Own(float[] values)
    {
        var buffer = _accelerator.Allocate1D<float>(Math.Max(1, values.Length));
        if (values.Length > 0) buffer.View.SubView(0, values.Length).CopyFromCPU(values);
        lock (_weights) _weights.Add(buffer);
        return buffer;
    }

    internal GpuLinear Matrix(float[] weight, float[] bias, int inputs, int outputs)
    {
        if (bias.Length != outputs) throw new ArgumentException($"a bias of {bias.Length} for {outputs} outputs");
        if (!halfWeights) return new GpuLinear(Own(weight), null, Own(bias), inputs, outputs);
        var half = _accelerator.Allocate1D(ToHalf(weight));
        lock (_weights) _weights.Add(half);
        return new GpuLinear(null, half, Own(bias), inputs, outputs);
    }

    /// <summary>float32 -> IEEE binary16 bits, rounded to nearest even (System.Half).</summary>
    internal static ushort[] ToHalf(ReadOnlySpan<float> values)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.HalfToUInt16Bits((System.Half)values[i]);
        return bits;
    }

    public LinearBuilder Linear(int inputs, int outputs) => new GpuLinearBuilder(this, inputs, outputs);

    public NormWeights Norm(float[] scale, float[] bias, float eps) => new GpuNorm(Own(scale), Own(bias), eps);

    public PoolWeights Pool(float[] scorers, int inputs, int heads, ReadOnlySpan<float> value, int valueStride, int valueColumn, float[] valueBias)
    {
        int d = valueBias.Length / heads;
        var scorerColumns = new MemoryBuffer1D<float, Stride1D.Dense>[heads];
        var values = new GpuLinear[heads];
        for (int h = 0; h < heads; h++)
        {
            var column = new float[inputs];
            for (int i = 0; i < inputs; i++) column[i] = scorers[i * heads + h];
            scorerColumns[h] = Own(column);
            var slice = new float[inputs * d];
            for (int i = 0; i < inputs; i++) value.Slice(i * valueStride + valueColumn + h * d, d).CopyTo(slice.AsSpan(i * d));
            values[h] = Matrix(slice, valueBias[(h * d)..((h + 1) * d)], inputs, d);
        }
        return new GpuPool(scorerColumns, values, inputs);
    }

    public TokenEmbeddingWeights TokenEmbedding(IRowSource word, float[] position, float[] tokenType) =>
        new GpuTokenEmbedding(Own(word.ReadAll()), Own(position), Own(tokenType), word.Width);

    public PatchPositionWeights PatchPositions(float[] frequency, int width, double maxTimeIndex) => new GpuPatchPositions(Own(frequency), width, maxTimeIndex);

    public LogMelPlan LogMel(LogMelSettings settings)
    {
        if (settings.FftLength != StftKernel.Points) throw new ArgumentException($"the device STFT is {StftKernel.Points} points, the config asks for {settings.FftLength}");
        if (settings.LogOffset != 1e-5 || settings.LogScale != 0.2 || settings.LogBias != 0.9)
            throw new ArgumentException("the device log-mel compresses with log(x + 1e-5) * 0.2 + 0.9 only");
        var window = new float[settings.FrameLength];
        for (int k = 0; k < window.Length; k++) window[k] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * k / settings.FrameLength));
        var (cos, sin) = StftKernel.Twiddles();
        var bank = new MelFilterBank(settings.MelBins, StftKernel.Bins, settings.SampleRate, settings.LowerEdgeHertz, settings.UpperEdgeHertz);
        return new GpuLogMel(settings, Own(window), Own(cos), Own(sin), Own(bank.Weights.Select(w => (float)w).ToArray()));
    }

    public void Linear(LinearWeights weights, TensorView x, int rows, TensorView y, Activation activation = Activation.None) =>
        Of(weights).Apply(_kernels, GpuTensor.Of(x, toEnd: true), rows, GpuTensor.Of(y, toEnd: true), activation);

    public void LinearAdd(LinearWeights weights, TensorView x, int rows, TensorView residual, TensorView y) =>
        Of(weights).Apply(_kernels, GpuTensor.Of(x, toEnd: true), rows, GpuTensor.Of(y, toEnd: true), Activation.None, GpuTensor.Of(residual, toEnd: true));

    public void LayerNorm(NormWeights norm, TensorView x, int rows, TensorView y)
    {
        var n = norm as GpuNorm ?? throw Foreign();
        _kernels.LayerNorm(GpuTensor.Of(x, toEnd: true), n.Scale.View, n.Bias.View, GpuTensor.Of(y, toEnd: true), rows, n.Width, n.Eps);
    }

    public void Attention(TensorView q, int queryStride, int queries, TensorView k, TensorView v, int keyValueStride, int keys,
        int width, int heads, bool causal, float scale, TensorView output)
    {
        if (width % heads != 0) throw new ArgumentException($"{heads} heads do not divide width {width}");
        if (queries > 0 && keys == 0) throw new ArgumentException("attention over zero keys");
        _kernels.Attention(GpuTensor.Of(q, toEnd: true), queryStride, GpuTensor.Of(k, toEnd: true), GpuTensor.Of(v, toEnd: true), keyValueStride,
            GpuTensor.Of(output, toEnd: true), width, queries, keys, heads, width / heads, causal, scale);
    }

    /// <summary>Per sequence and head: scores by a GEMM with the scorer column, a softmax, the weighted mean by a GEMM, the value slice by a GEMM.</summary>
    public void Pool(PoolWeights pool, TensorView hidden, ReadOnlySpan<int> offsets, TensorView pooled)
    {
        var p = pool as GpuPool ?? throw Foreign();
        int inputs = p.Inputs, d = p.Values[0].Outputs, longest = 0;
        for (int b = 0; b + 1 < offsets.Length; b++) longest = Math.Max(longest, offsets[b + 1] - offsets[b]);
        using var scores = _accelerator.Allocate1D<float>(Math.Max(1, longest));
        using var mean = _accelerator.Allocate1D<float>(inputs);
        var rows = GpuTensor.Of(hidden, toEnd: true);
        var into = GpuTensor.Of(pooled, toEnd: true);
        float scale = 1 / MathF.Sqrt(d);
        for (int b = 0; b + 1 < offsets.Length; b++)
        {
            int count = offsets[b + 1] - offsets[b];
            if (count <= 0) throw new ArgumentException("attention pooling over no positions");
            var sequence = rows.SubView((long)offsets[b] * inputs, (long)count * inputs);
            for (int h = 0; h < p.Heads; h++)
            {
                _kernels.Gemm(sequence, p.Scorers[h].View, default, scores.View, count, inputs, 1);
                _kernels.Softmax(scores.View, 1, count, scale);
                _kernels.Gemm(scores.View, sequence, default, mean.View, 1, count, inputs);
                p.Values[h].Apply(_kernels, mean.View, 1, into.SubView((long)b * p.Outputs + h * d, d));
            }
        }
        _accelerator.Synchronize(); // the scratch buffers are freed on return
    }

    public void EmbedTokens(TokenEmbeddingWeights embedding, ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, TensorView x)
    {
        var e = embedding as GpuTokenEmbedding ?? throw Foreign();
        if (ids.Length == 0) return;
        using var deviceIds = _accelerator.Allocate1D(ids.ToArray());
        using var devicePositions = _accelerator.Allocate1D(positions.ToArray());
        _kernels.Embed(deviceIds.View, devicePositions.View, e.Word.View, e.Position.View, e.TokenType.View, GpuTensor.Of(x, toEnd: true), ids.Length, e.Width);
        _accelerator.Synchronize();
    }

    public void AddPatchPositions(PatchPositionWeights positions, ReadOnlySpan<int> time, ReadOnlySpan<int> frequency, TensorView x)
    {
        var p = positions as GpuPatchPositions ?? throw Foreign();
        if (time.Length == 0) return;
        using var times = _accelerator.Allocate1D(time.ToArray());
        using var frequencies = _accelerator.Allocate1D(frequency.ToArray());
        _kernels.AddAudioPositions(GpuTensor.Of(x, toEnd: true), times.View, frequencies.View, p.Frequency.View, time.Length, p.Width, Math.Log(p.MaxTimeIndex));
        _accelerator.Synchronize();
    }

    /// <summary>|STFT| by <see cref="StftKernel"/>, the mel matrix by a GEMM, then the log, all in float32.</summary>
    public Tensor LogMel(LogMelPlan plan, ReadOnlySpan<double> samples, out int frames)
    {
        var p = plan as GpuLogMel ?? throw Foreign();
        var settings = p.Settings;
        frames = settings.FrameCount(samples.Length);
        var waveform = new float[samples.Length];
        for (int i = 0; i < waveform.Length; i++) waveform[i] = (float)samples[i];
        using var deviceSamples = _accelerator.Allocate1D<float>(Math.Max(1, waveform.Length));
        if (waveform.Length > 0) deviceSamples.View.SubView(0, waveform.Length).CopyFromCPU(waveform);
        using var magnitudes = _accelerator.Allocate1D<float>((long)Math.Max(1, frames) * StftKernel.Bins);
        var mel = Allocate((long)frames * settings.MelBins);
        var melView = GpuTensor.Of(mel, toEnd: true);
        _kernels.StftMagnitudes(deviceSamples.View, waveform.Length, settings.FrameStep, p.Window.View, p.Cos.View, p.Sin.View, magnitudes.View, frames);
        _kernels.Gemm(magnitudes.View, p.Mel.View, default, melView, frames, StftKernel.Bins, settings.MelBins);
        if (frames > 0) _kernels.LogMel(melView.SubView(0, (long)frames * settings.MelBins));
        _accelerator.Synchronize();
        return mel;
    }

    public void GatherPatches(TensorView mel, int melBins, ReadOnlySpan<int> keep, int patchTime, int patchFreq, TensorView patches)
    {
        if (keep.Length == 0) return;
        using var keepOnDevice = _accelerator.Allocate1D(keep.ToArray());
        _kernels.GatherPatches(GpuTensor.Of(mel, toEnd: true), keepOnDevice.View, GpuTensor.Of(patches, toEnd: true), keep.Length, melBins, patchTime, patchFreq);
        _accelerator.Synchronize();
    }

    static GpuLinear Of(LinearWeights weights) => weights as GpuLinear ?? throw Foreign();

    static ArgumentException Foreign() => new("weights prepared by another backend");

    public void Dispose()
    {
        lock (_weights)
        {
            foreach (var buffer in _weights) buffer.Dispose();
            _weights.Clear();
        }
        device.Dispose();
    }
}
