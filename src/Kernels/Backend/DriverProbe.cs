using System.Runtime.InteropServices;

namespace Cacophony.Kernels;

/// <summary>
/// A cheap look for GPU drivers before ILGPU is started. Creating an ILGPU context costs ~175 ms (mostly
/// ILGPU's own JIT) even where there is no GPU at all, and `--device auto`, the CLI's default, paid it on
/// every CPU-only run. The probe only ever answers "certainly none": when a driver library is there,
/// ILGPU's full enumeration decides, as before.
/// </summary>
static class DriverProbe
{
    const ulong DeviceTypeAll = 0xFFFFFFFF, DeviceTypeGpu = 1 << 2; // CL_DEVICE_TYPE_ALL, CL_DEVICE_TYPE_GPU
    const int Success = 0;

    static readonly string[] CudaLibraries = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"];

    static readonly string[] OpenCLLibraries = OperatingSystem.IsWindows() ? ["OpenCL.dll"]
        : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL"]
        : ["libOpenCL.so.1", "libOpenCL.so"];

    /// <summary>False when no CUDA driver library can be loaded, so no CUDA device can exist.</summary>
    public static bool MayHaveCuda() => Load(CudaLibraries) != 0;

    /// <summary>The number of OpenCL GPU devices over all platforms; 0 without an OpenCL loader or platform.</summary>
    public static int OpenCLGpuCount() => OpenCLDeviceCount(DeviceTypeGpu);

    /// <summary>The number of OpenCL devices of any type (PoCL's CPU device included) over all platforms.</summary>
    public static int OpenCLDeviceCount() => OpenCLDeviceCount(DeviceTypeAll);

    /// <summary>True when `auto` could find a device: a CUDA driver, or an OpenCL GPU.</summary>
    public static bool MayHaveAutoDevice() => MayHaveCuda() || OpenCLGpuCount() > 0;

    static unsafe int OpenCLDeviceCount(ulong deviceType)
    {
        nint library = Load(OpenCLLibraries);
        if (library == 0
            || !NativeLibrary.TryGetExport(library, "clGetPlatformIDs", out nint getPlatforms)
            || !NativeLibrary.TryGetExport(library, "clGetDeviceIDs", out nint getDevices))
            return 0;
        var clGetPlatformIDs = (delegate* unmanaged<uint, nint*, uint*, int>)getPlatforms;
        var clGetDeviceIDs = (delegate* unmanaged<nint, ulong, uint, nint*, uint*, int>)getDevices;
        uint platformCount = 0;
        // The ICD loader answers an error (-1001, no platform) rather than zero platforms when none is installed.
        if (clGetPlatformIDs(0, null, &platformCount) != Success || platformCount == 0) return 0;
        var platforms = new nint[platformCount];
        fixed (nint* p = platforms)
            if (clGetPlatformIDs(platformCount, p, null) != Success) return 0;
        int devices = 0;
        foreach (var platform in platforms)
        {
            uint count = 0;
            // CL_DEVICE_NOT_FOUND (-1) for a platform without devices of that type.
            if (clGetDeviceIDs(platform, deviceType, 0, null, &count) == Success) devices += (int)count;
        }
        return devices;
    }

    static nint Load(string[] names)
    {
        foreach (var name in names)
            if (NativeLibrary.TryLoad(name, out nint handle)) return handle;
        return 0;
    }
}
