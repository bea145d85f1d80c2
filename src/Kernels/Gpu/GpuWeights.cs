using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>A dense layer on the device: W (in, out) dense, as float32 or float16 bits, and b as float32.</summary>
sealed class GpuLinear(MemoryBuffer1D<float, Stride1D.Dense>? weight, MemoryBuffer1D<ushort, Stride1D.Dense>? halfWeight,
    MemoryBuffer1D<float, Stride1D.Dense> bias, int inputs, int outputs) : LinearWeights
{
    public MemoryBuffer1D<float, Stride1D.Dense>? Weight { get; } = weight;
    public MemoryBuffer1D<ushort, Stride1D.Dense>? HalfWeight { get; } = halfWeight;
    public MemoryBuffer1D<float, Stride1D.Dense> Bias { get; } = bias;
    public override int Inputs { get; } = inputs;
    public override int Outputs { get; } = outputs;

    public void Apply(GpuKernels kernels, ArrayView<float> x, int rows, ArrayView<float> y, Activation activation = Activation.None, ArrayView<float> residual = default)
    {
        if (HalfWeight is { } half) kernels.Gemm(x, half.View, Bias.View, y, rows, Inputs, Outputs, activation, residual);
        else kernels.Gemm(x, Weight!.View, Bias.View, y, rows, Inputs, Outputs, activation, residual);
    }
}

/// <summary>Collects a dense layer's blocks into one (in, out) host matrix and uploads it at <see cref="Build"/>.</summary>
sealed class GpuLinearBuilder(IlgpuBackend backend, int inputs, int outputs) : LinearBuilder
{
    readonly float[] _weight = new float[(long)inputs * outputs];

    public override void Columns(ReadOnlySpan<float> block, int firstColumn, int width, int rowStride = 0)
    {
        if (rowStride == 0) rowStride = width;
        if (firstColumn < 0 || width <= 0 || firstColumn + width > outputs) throw new ArgumentException($"columns [{firstColumn}, {firstColumn + width}) outside 0..{outputs}");
        for (int r = 0; r < inputs; r++) block.Slice(r * rowStride, width).CopyTo(_weight.AsSpan(r * outputs + firstColumn));
    }

    public override LinearWeights Build(float[] bias) => backend.Matrix(_weight, bias, inputs, outputs);
}

sealed class GpuNorm(MemoryBuffer1D<float, Stride1D.Dense> scale, MemoryBuffer1D<float, Stride1D.Dense> bias, float eps) : NormWeights
{
    public MemoryBuffer1D<float, Stride1D.Dense> Scale { get; } = scale;
    public MemoryBuffer1D<float, Stride1D.Dense> Bias { get; } = bias;
    public float Eps { get; } = eps;
    public override int Width => (int)Scale.Length;
}

/// <summary>The pool on the device: each head's scorer vector and value slice as their own dense matrices.</summary>
sealed class GpuPool(MemoryBuffer1D<float, Stride1D.Dense>[] scorers, GpuLinear[] values, int inputs) : PoolWeights
{
    public MemoryBuffer1D<float, Stride1D.Dense>[] Scorers { get; } = scorers;
    public GpuLinear[] Values { get; } = values;
    public override int Inputs { get; } = inputs;
    public override int Heads => Values.Length;
    public override int Outputs => Values.Length * Values[0].Outputs;
}

sealed class GpuTokenEmbedding(MemoryBuffer1D<float, Stride1D.Dense> word, MemoryBuffer1D<float, Stride1D.Dense> position,
    MemoryBuffer1D<float, Stride1D.Dense> tokenType, int width) : TokenEmbeddingWeights
{
    public MemoryBuffer1D<float, Stride1D.Dense> Word { get; } = word;
    public MemoryBuffer1D<float, Stride1D.Dense> Position { get; } = position;
    public MemoryBuffer1D<float, Stride1D.Dense> TokenType { get; } = tokenType;
    public override int Width { get; } = width;
}

sealed class GpuPatchPositions(MemoryBuffer1D<float, Stride1D.Dense> frequency, int width, double maxTimeIndex) : PatchPositionWeights
{
    public MemoryBuffer1D<float, Stride1D.Dense> Frequency { get; } = frequency;
    public double MaxTimeIndex { get; } = maxTimeIndex;
    public override int Width { get; } = width;
}

/// <summary>The device front end's constants: window, FFT twiddles and the mel matrix (float32).</summary>
sealed class GpuLogMel(LogMelSettings settings, MemoryBuffer1D<float, Stride1D.Dense> window, MemoryBuffer1D<float, Stride1D.Dense> cos,
    MemoryBuffer1D<float, Stride1D.Dense> sin, MemoryBuffer1D<float, Stride1D.Dense> mel) : LogMelPlan
{
    public override LogMelSettings Settings { get; } = settings;
    public MemoryBuffer1D<float, Stride1D.Dense> Window { get; } = window;
    public MemoryBuffer1D<float, Stride1D.Dense> Cos { get; } = cos;
    public MemoryBuffer1D<float, Stride1D.Dense> Sin { get; } = sin;
    public MemoryBuffer1D<float, Stride1D.Dense> Mel { get; } = mel;
}
