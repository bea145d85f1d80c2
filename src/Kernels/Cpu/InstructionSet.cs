using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Cacophony.Kernels.Cpu;

/// <summary>The vector width the CPU kernels run with.</summary>
public enum InstructionSet
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// Chooses the widest vector width the hardware accelerates, once, at start-up. Every path is compiled
/// into every build (the kernels are generic over a lane struct), so tests can also force a narrower
/// one; `CACOPHONY_ISA=scalar|vector128|vector256` does the same for a whole process. 128-bit vectors are what
/// .NET accelerates on ARM64 (NEON) and on x86 without AVX2; they are used only with a fused multiply-add in
/// hardware (NEON's fmla, FMA3), since without one <c>Vector128.FusedMultiplyAdd</c> is computed in software.
/// </summary>
public static class Isa
{
    static InstructionSet? _forced;

    public static InstructionSet Detected { get; } = Detect();

    public static InstructionSet Active => _forced ?? Detected;

    /// <summary>Runs `action` with a narrower instruction set (tests of the fallback paths).</summary>
    public static void With(InstructionSet isa, Action action)
    {
        if (isa > Detected) throw new PlatformNotSupportedException($"{isa} is not accelerated on this machine");
        var saved = _forced;
        _forced = isa;
        try
        {
            action();
        }
        finally
        {
            _forced = saved;
        }
    }

    static InstructionSet Detect()
    {
        var best = Vector512.IsHardwareAccelerated ? InstructionSet.Vector512
            : Vector256.IsHardwareAccelerated ? InstructionSet.Vector256
            : Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported) ? InstructionSet.Vector128
            : InstructionSet.Scalar;
        return Environment.GetEnvironmentVariable("CACOPHONY_ISA")?.ToLowerInvariant() switch
        {
            "scalar" => InstructionSet.Scalar,
            "vector128" when best >= InstructionSet.Vector128 => InstructionSet.Vector128,
            "vector256" when best >= InstructionSet.Vector256 => InstructionSet.Vector256,
            _ => best,
        };
    }

    public static string Describe(InstructionSet isa) => isa switch
    {
        InstructionSet.Vector512 => "Vector512 (AVX-512)",
        InstructionSet.Vector256 => "Vector256 (AVX2/FMA)",
        InstructionSet.Vector128 => AdvSimd.IsSupported ? "Vector128 (NEON)" : "Vector128 (FMA)",
        _ => "scalar",
    };
}
