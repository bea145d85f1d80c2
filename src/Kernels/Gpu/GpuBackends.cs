namespace Cacophony.Kernels.Gpu;

/// <summary>Opens the ILGPU backend (found by <see cref="ComputeBackends"/> when a device is asked for).</summary>
public static class GpuBackends
{
    /// <summary>
    /// The device of that kind as a backend, or null with the reason when there is none. A device that is there
    /// but cannot compile the kernels is an error, not an absent device: it throws.
    /// </summary>
    public static IComputeBackend? TryOpen(DeviceKind kind, bool halfWeights, out string reason) =>
        GpuDevice.TryOpen(kind, out reason) is { } device ? new IlgpuBackend(device, halfWeights) : null;

    /// <summary>ILGPU's CPU simulator (small shapes only): the ILGPU kernels on any machine, for tests.</summary>
    public static IComputeBackend Simulator(bool halfWeights = false) => new IlgpuBackend(GpuDevice.Simulator(), halfWeights);
}
