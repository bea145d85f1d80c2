using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu.Int8;

/// <summary>
/// The instruction sequence of the int8 product: unsigned 8-bit activations times signed 8-bit weights, summed
/// in int32. Every kernel gives the same int32 sums (the quantizers keep each pair of products within int16, so
/// `vpmaddubsw`'s saturation never happens) and the same float epilogue, so the result does not depend on which
/// one ran.
/// </summary>
public enum Int8Kernel
{
    /// <summary>Scalar integer loops: any CPU.</summary>
    Portable,

    /// <summary>`vpmaddubsw` + `vpmaddwd` + `vpaddd` on 256 bits (AVX2).</summary>
    Avx2,

    /// <summary>The same on 512 bits (AVX-512 BW), for AVX-512 CPUs without AVX-VNNI (Zen 4).</summary>
    Avx512BW,

    /// <summary>`vpdpbusd` on 256 bits (VEX AVX-VNNI: Intel since Alder Lake / Sapphire Rapids, AMD Zen 5).</summary>
    AvxVnni,
}

public static class Int8Kernels
{
    /// <summary>The fastest kernel this CPU runs, chosen once. `CACOPHONY_INT8=portable|avx2|avx512bw|avxvnni` narrows it.</summary>
    public static Int8Kernel Detected { get; } = Detect();

    public static bool IsSupported(Int8Kernel kernel) => kernel switch
    {
        Int8Kernel.AvxVnni => AvxVnni.IsSupported,
        Int8Kernel.Avx512BW => Avx512BW.IsSupported,
        Int8Kernel.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>Every kernel this CPU can run (the tests run them all).</summary>
    public static IReadOnlyList<Int8Kernel> Supported => Enum.GetValues<Int8Kernel>().Where(IsSupported).ToArray();

    static Int8Kernel Detect()
    {
        var best = AvxVnni.IsSupported ? Int8Kernel.AvxVnni
            : Avx512BW.IsSupported ? Int8Kernel.Avx512BW
            : Avx2.IsSupported ? Int8Kernel.Avx2
            : Int8Kernel.Portable;
        return Environment.GetEnvironmentVariable("CACOPHONY_INT8")?.ToLowerInvariant() switch
        {
            "portable" => Int8Kernel.Portable,
            "avxvnni" when AvxVnni.IsSupported => Int8Kernel.AvxVnni,
            "avx2" when Avx2.IsSupported => Int8Kernel.Avx2,
            "avx512bw" when Avx512BW.IsSupported => Int8Kernel.Avx512BW,
            _ => best,
        };
    }

    public static string Describe(Int8Kernel kernel) => kernel switch
    {
        Int8Kernel.AvxVnni => "AVX-VNNI (vpdpbusd, 256-bit)",
        Int8Kernel.Avx512BW => "AVX-512 BW (vpmaddubsw + vpmaddwd, 512-bit)",
        Int8Kernel.Avx2 => "AVX2 (vpmaddubsw + vpmaddwd, 256-bit)",
        _ => "portable (scalar)",
    };
}
