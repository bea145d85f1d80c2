using Cacophony.Kernels.Gpu;
using Cacophony.Model.Layers;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>A dense layer on the device: W (in, out), stored as float32 or float16, and b (float32) uploaded once.</summary>
public sealed record GpuLinear(MemoryBuffer1D<float, Stride1D.Dense>? Weight, MemoryBuffer1D<ushort, Stride1D.Dense>? HalfWeight,
    MemoryBuffer1D<float, Stride1D.Dense> Bias, int Inputs, int Outputs)
{
    public void Apply(GpuKernels kernels, ArrayView<float> x, int rows, ArrayView<float> y, Epilogue epilogue = Epilogue.None, ArrayView<float> residual = default)
    {
        if (HalfWeight is { } half) kernels.Gemm(x, half.View, Bias.View, y, rows, Inputs, Outputs, epilogue, residual);
        else kernels.Gemm(x, Weight!.View, Bias.View, y, rows, Inputs, Outputs, epilogue, residual);
    }
}

/// <summary>LayerNorm parameters on the device.</summary>
public sealed record GpuNorm(MemoryBuffer1D<float, Stride1D.Dense> Scale, MemoryBuffer1D<float, Stride1D.Dense> Bias, float Eps)
{
    public void Apply(GpuKernels kernels, ArrayView<float> x, int rows, ArrayView<float> y) =>
        kernels.LayerNorm(x, Scale.View, Bias.View, y, rows, (int)Scale.Length, Eps);
}

/// <summary>
/// Uploads canonical tensors (WeightMap.cs names) to one accelerator, once, at model load. With
/// `halfMatrices`, dense-layer weight matrices are stored as float16 (half the memory and bandwidth; products
/// still accumulate in float32); embeddings, biases and norms stay float32.
/// </summary>
public sealed class GpuWeights(Accelerator accelerator, IWeightSource source, bool halfMatrices = false)
{
    readonly List<IDisposable> _owned = [];

    public MemoryBuffer1D<float, Stride1D.Dense> Tensor(string name) => Upload(source.Read(name));

    public MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] values)
    {
        var buffer = accelerator.Allocate1D(values);
        _owned.Add(buffer);
        return buffer;
    }

    public GpuLinear Linear(string name)
    {
        var shape = source.Shape(name + ".weight");
        return Matrix(source.Read(name + ".weight"), Tensor(name + ".bias"), shape[0], shape[1]);
    }

    GpuLinear Matrix(float[] weight, MemoryBuffer1D<float, Stride1D.Dense> bias, int inputs, int outputs)
    {
        if (!halfMatrices) return new GpuLinear(Upload(weight), null, bias, inputs, outputs);
        var half = accelerator.Allocate1D(ToHalf(weight));
        _owned.Add(half);
        return new GpuLinear(null, half, bias, inputs, outputs);
    }

    /// <summary>Several dense layers on the same input as one (weights side by side), as the CPU engine fuses q, k, v.</summary>
    public GpuLinear FusedLinear(params string[] names)
    {
        var (weight, bias, input, output) = FusedWeights.Concatenate(source, names);
        return Matrix(weight, Upload(bias), input, output);
    }

    /// <summary>float32 -> IEEE binary16 bits, rounded to nearest even (System.Half).</summary>
    public static ushort[] ToHalf(ReadOnlySpan<float> values)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.HalfToUInt16Bits((System.Half)values[i]);
        return bits;
    }

    public GpuNorm Norm(string name, double eps) => new(Tensor(name + ".scale"), Tensor(name + ".bias"), (float)eps);

    /// <summary>Frees every buffer uploaded through this loader.</summary>
    public void Release()
    {
        foreach (var buffer in _owned) buffer.Dispose();
        _owned.Clear();
    }
}
