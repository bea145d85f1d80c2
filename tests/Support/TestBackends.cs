using Cacophony.Kernels;
using Cacophony.Kernels.Cpu;
using Cacophony.Kernels.Gpu;

namespace Cacophony.Tests.Support;

/// <summary>The compute backends a test can run on, by name; an accelerator this machine lacks ends the test as ignored.</summary>
static class TestBackends
{
    public static IComputeBackend Open(string name, bool halfWeights = false) => name switch
    {
        "cpu" => new CpuBackend(),
        "simulator" => GpuBackends.Simulator(halfWeights),
        "opencl" => GpuBackends.TryOpen(DeviceKind.OpenCL, halfWeights, out var reason) ?? throw new IgnoreException($"no OpenCL accelerator here: {reason}"),
        "cuda" => GpuBackends.TryOpen(DeviceKind.Cuda, halfWeights, out var reason) ?? throw new IgnoreException($"no CUDA accelerator here: {reason}"),
        _ => throw new ArgumentException($"no backend named {name}"),
    };

    /// <summary>
    /// A backend for the whole-model tests. ILGPU's simulator stands in for a device only where no OpenCL device
    /// is: where one is, its fixture runs the same cases through ILGPU's compiler in seconds, while the simulator,
    /// whose barriers switch OS threads, takes minutes. Every kernel still meets the simulator in
    /// BackendConformanceTests.
    /// </summary>
    public static IComputeBackend OpenForModel(string name) =>
        name == "simulator" && HasOpenCL(out _)
            ? throw new IgnoreException("the OpenCL fixture runs these cases on this machine's OpenCL device; the simulator runs them where none is")
            : Open(name);

    /// <summary>Whether an OpenCL device is here, and why not when it is not.</summary>
    public static bool HasOpenCL(out string reason)
    {
        (bool present, reason) = s_openCL.Value;
        return present;
    }

    // Asked once a run: opening the device compiles every kernel for it, seconds on PoCL.
    static readonly Lazy<(bool Present, string Reason)> s_openCL = new(() =>
    {
        using var backend = GpuBackends.TryOpen(DeviceKind.OpenCL, false, out var reason);
        return (backend is not null, reason);
    });
}
