using Cacophony.Kernels;
using Cacophony.Weights;

namespace Cacophony.Model;

/// <summary>How the weight matrices are stored on the device.</summary>
public enum WeightPrecision
{
    /// <summary>As converted: float32.</summary>
    Float32,
    /// <summary>float16 matrices on an accelerator (half the memory and bandwidth; float32 arithmetic). The CPU engine keeps float32.</summary>
    Float16,
    /// <summary>
    /// int8 matrices on the CPU engine, per output channel (as `cacophony quantize` stored them, or quantized when
    /// the model is loaded), and int8 products with activations quantized per row (a quarter of the weights'
    /// memory; attention, softmax and norms stay float32).
    /// </summary>
    Int8,
}

/// <summary>Where and how a <see cref="CacophonyModel"/> runs.</summary>
public sealed record ModelOptions
{
    /// <summary>The CPU engine (default), CUDA, OpenCL, or `Auto` (CUDA, then an OpenCL GPU, then the CPU engine).</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    /// <summary>
    /// Null (default): as the model directory stores its weights, int8 for a quantized directory and float32
    /// otherwise. Float32 on an int8 directory widens its weights (w = scale * q), e.g. to run it on a GPU.
    /// </summary>
    public WeightPrecision? Precision { get; init; }

    /// <summary>A backend made by the caller (e.g. ILGPU's simulator in tests), used instead of <see cref="Device"/>; the model owns it from then on.</summary>
    public IComputeBackend? Backend { get; init; }

    /// <summary>The precision that runs a model whose config.json is <paramref name="config"/>.</summary>
    public WeightPrecision PrecisionFor(ModelConfig config) =>
        Precision ?? (config.WeightsDtype == "int8" ? WeightPrecision.Int8 : WeightPrecision.Float32);

    internal IComputeBackend OpenBackend(ModelConfig config)
    {
        if (Backend is not null) return Backend;
        var precision = PrecisionFor(config);
        if (precision != WeightPrecision.Int8) return ComputeBackends.Open(Device, halfWeights: precision == WeightPrecision.Float16);
        if (Device is not (DeviceKind.Cpu or DeviceKind.Auto))
            throw new InvalidOperationException($"--device {Device.ToString().ToLowerInvariant()}: int8 weights run on the CPU engine only");
        return new Kernels.Cpu.CpuBackend(int8Weights: true);
    }
}
