using Cacophony.Kernels;
using Cacophony.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Cacophony.Tests.Gpu;

/// <summary>
/// The native driver probe against ILGPU's own enumeration on this machine: the probe may only say "none"
/// where ILGPU finds none, and it must see every OpenCL device ILGPU registers (ILGPU keeps only those it
/// can compile for, so it may see fewer).
/// </summary>
public class DriverProbeTests
{
    [Test]
    public void ProbeSeesEveryOpenCLDeviceIlgpuSees()
    {
        using var context = Context.Create(builder => builder.OpenCL());
        var ilgpu = context.GetCLDevices();
        if (ilgpu.Count == 0) Assert.Ignore("no OpenCL device ILGPU can use on this machine (CI builds PoCL for this test)");
        int gpus = 0;
        for (int i = 0; i < ilgpu.Count; i++)
            if (ilgpu[i].DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU) gpus++;
        TestContext.Out.WriteLine($"ILGPU: {ilgpu.Count} OpenCL device(s), {gpus} GPU(s); probe: {DriverProbe.OpenCLDeviceCount()} device(s), {DriverProbe.OpenCLGpuCount()} GPU(s)");
        Assert.That(DriverProbe.OpenCLDeviceCount(), Is.GreaterThanOrEqualTo(ilgpu.Count));
        Assert.That(DriverProbe.OpenCLGpuCount(), Is.GreaterThanOrEqualTo(gpus));
    }

    [Test]
    public void ProbeFindsTheCudaDriverWhereIlgpuFindsADevice()
    {
        using var context = Context.Create(builder => builder.Cuda());
        if (context.GetCudaDevices().Count == 0) Assert.Ignore("no CUDA device on this machine");
        Assert.That(DriverProbe.MayHaveCuda(), Is.True);
    }

    /// <summary>Where the probe answers "no device for auto", ILGPU finds none either, and auto falls back to the CPU engine.</summary>
    [Test]
    public void AutoSkipsIlgpuOnlyWhereIlgpuFindsNoDevice()
    {
        if (DriverProbe.MayHaveAutoDevice()) Assert.Ignore("a CUDA driver or an OpenCL GPU is installed here: auto asks ILGPU");
        using var context = Context.Create(builder => builder.Cuda().OpenCL());
        var cl = context.GetCLDevices();
        int gpus = 0;
        for (int i = 0; i < cl.Count; i++)
            if (cl[i].DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU) gpus++;
        Assert.That(context.GetCudaDevices().Count, Is.Zero, "CUDA devices ILGPU found");
        Assert.That(gpus, Is.Zero, "OpenCL GPUs ILGPU found");
        Assert.That(GpuDevice.TryOpen(DeviceKind.Auto, out var reason), Is.Null);
        Assert.That(reason, Is.EqualTo("no CUDA device and no OpenCL GPU"));
    }
}
