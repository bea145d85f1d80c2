using Cacophony.Kernels;

namespace Cacophony.Model;

/// <summary>How the weight matrices are stored on the device.</summary>
public enum WeightPrecision
{
    /// <summary>As converted: float32.</summary>
    Float32,
    /// <summary>float16 matrices on an accelerator (half the memory and bandwidth; float32 arithmetic). The CPU engine keeps float32.</summary>
    Float16,
}

/// <summary>Where and how a <see cref="CacophonyModel"/> runs.</summary>
public sealed record ModelOptions
{
    /// <summary>The CPU engine (default), CUDA, OpenCL, or `Auto` (CUDA, then an OpenCL GPU, then the CPU engine).</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    public WeightPrecision Precision { get; init; } = WeightPrecision.Float32;

    /// <summary>A backend made by the caller (e.g. ILGPU's simulator in tests), used instead of <see cref="Device"/>; the model owns it from then on.</summary>
    public IComputeBackend? Backend { get; init; }

    internal IComputeBackend OpenBackend() => Backend ?? ComputeBackends.Open(Device, halfWeights: Precision == WeightPrecision.Float16);
}
