namespace Cacophony.Kernels;

/// <summary>Where the network runs: `auto` picks CUDA, then an OpenCL GPU, then the CPU engine.</summary>
public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
    OpenCL,
}
