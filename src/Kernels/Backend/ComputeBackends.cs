using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Kernels;

/// <summary>
/// Opens the backend of a <see cref="DeviceKind"/>. The accelerators live in their own assembly
/// (Cacophony.Kernels.Gpu, with ILGPU), loaded here only when a device is asked for: an application that runs
/// on the CPU engine, a trimmed publish and a NativeAOT publish neither carry nor load it.
/// </summary>
public static class ComputeBackends
{
    const string GpuAssembly = "Cacophony.Kernels.Gpu", GpuFactory = "Cacophony.Kernels.Gpu.GpuBackends";

    /// <summary>
    /// The backend of that kind: the CPU engine for <see cref="DeviceKind.Cpu"/>, and for `auto` when there is no
    /// CUDA device and no OpenCL GPU. A device asked for by name that is not there is an error naming why.
    /// </summary>
    /// <param name="halfWeights">On an accelerator, store weight matrices as float16 (float32 arithmetic).</param>
    public static IComputeBackend Open(DeviceKind kind, bool halfWeights = false)
    {
        if (kind == DeviceKind.Cpu) return new CpuBackend();
        // Without a CUDA driver or an OpenCL GPU, `auto` skips loading ILGPU (~175 ms of start-up).
        if (kind == DeviceKind.Auto && !DriverProbe.MayHaveAutoDevice()) return new CpuBackend();
        var device = TryOpenDevice(kind, halfWeights, out string reason);
        if (device is not null) return device;
        if (kind == DeviceKind.Auto) return new CpuBackend();
        throw new InvalidOperationException($"--device {kind.ToString().ToLowerInvariant()}: {reason}");
    }

    /// <summary>The accelerator of that kind, or null with the reason when there is none (no device, no driver, no GPU assembly).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The GPU assembly is never part of a trimmed or native build; its absence is reported as no device.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    public static IComputeBackend? TryOpenDevice(DeviceKind kind, bool halfWeights, out string reason)
    {
        MethodInfo? open;
        try
        {
            open = Assembly.Load(GpuAssembly).GetType(GpuFactory)?.GetMethod("TryOpen", BindingFlags.Public | BindingFlags.Static);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or PlatformNotSupportedException)
        {
            open = null;
        }
        if (open is null)
        {
            reason = $"this build has no GPU backend ({GpuAssembly} is not installed)";
            return null;
        }
        object?[] arguments = [kind, halfWeights, null];
        try
        {
            var backend = (IComputeBackend?)open.Invoke(null, arguments);
            reason = (string?)arguments[2] ?? "";
            return backend;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }
}
