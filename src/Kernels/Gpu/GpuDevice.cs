using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// One ILGPU accelerator with its kernels loaded: CUDA, OpenCL (a GPU for `auto`; any OpenCL device,
/// PoCL's CPU device included, when asked for by name), or ILGPU's CPU simulator for tests.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    readonly Context _context;

    public Accelerator Accelerator { get; }
    public GpuKernels Kernels { get; }
    public string Description => $"{Accelerator.AcceleratorType} {Accelerator.Name}";

    GpuDevice(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
        Kernels = new GpuKernels(accelerator);
    }

    /// <summary>
    /// The device of that kind, or null with the reason when there is none (no such device, no driver). A device
    /// that is there but cannot compile the kernels is an error, not an absent device: it throws.
    /// </summary>
    public static GpuDevice? TryOpen(DeviceKind kind, out string reason)
    {
        reason = "";
        if (kind == DeviceKind.Cpu) { reason = "the CPU engine was asked for"; return null; }
        const string noAutoDevice = "no CUDA device and no OpenCL GPU";
        // Without a CUDA driver or an OpenCL GPU, `auto` skips ILGPU's ~175 ms start-up (DriverProbe).
        if (kind == DeviceKind.Auto && !DriverProbe.MayHaveAutoDevice()) { reason = noAutoDevice; return null; }
        Context? context = null;
        Accelerator accelerator;
        try
        {
            // ILGPU's OpenCL() registers only the devices it can compile for (OpenCL C 2.0 with the generic address space).
            context = Context.Create(builder =>
            {
                if (kind is DeviceKind.Auto or DeviceKind.Cuda) builder.Cuda();
                if (kind is DeviceKind.Auto or DeviceKind.OpenCL) builder.OpenCL();
            });
            var cuda = First(context.GetCudaDevices());
            var openCL = Devices(context.GetCLDevices()).FirstOrDefault(d => kind == DeviceKind.OpenCL || d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU);
            Device? device = kind switch
            {
                DeviceKind.Cuda => cuda,
                DeviceKind.OpenCL => openCL,
                _ => (Device?)cuda ?? openCL,
            };
            if (device is null)
            {
                reason = kind switch { DeviceKind.Cuda => "no CUDA device", DeviceKind.OpenCL => "no OpenCL device ILGPU can use", _ => noAutoDevice };
                context.Dispose();
                return null;
            }
            accelerator = device.CreateAccelerator(context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            reason = e.Message;
            return null;
        }
        try
        {
            return new GpuDevice(context, accelerator);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidOperationException)
        {
            string name = $"{accelerator.AcceleratorType} {accelerator.Name}";
            accelerator.Dispose();
            context.Dispose();
            throw new InvalidOperationException($"{name}: the kernels did not compile ({e.GetType().Name}: {e.Message})", e);
        }
    }

    static List<T> Devices<T>(Context.DeviceCollection<T> devices) where T : Device
    {
        var list = new List<T>();
        for (int i = 0; i < devices.Count; i++) list.Add(devices[i]);
        return list;
    }

    static T? First<T>(Context.DeviceCollection<T> devices) where T : Device => devices.Count > 0 ? devices[0] : null;

    /// <summary>ILGPU's CPU accelerator (a simulator: small shapes only), with enough threads per group for every kernel.</summary>
    public static GpuDevice Simulator()
    {
        var context = Context.Create(builder => builder.DefaultCPU());
        var device = new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);
        return new GpuDevice(context, device.CreateAccelerator(context));
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
