using Cacophony.Kernels.Gpu;

namespace Cacophony.Tests.Gpu;

/// <summary>The kernels' scalar helpers, run on the host against independent implementations.</summary>
public class DeviceMathTests
{
    /// <summary>All 65,536 binary16 bit patterns against System.Half's widening (NaNs: any NaN).</summary>
    [Test]
    public void HalfToFloatIsExactForEveryBitPattern()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits), actual = DeviceMath.HalfToFloat((ushort)bits);
            if (float.IsNaN(expected)) Assert.That(float.IsNaN(actual), $"0x{bits:X4}");
            else Assert.That(BitConverter.SingleToInt32Bits(actual), Is.EqualTo(BitConverter.SingleToInt32Bits(expected)), $"0x{bits:X4}");
        }
    }

    [Test]
    public void GeluAndSiluAgreeWithFloat64()
    {
        double worst = 0;
        for (float x = -12; x <= 12; x += 0.01f)
        {
            worst = Math.Max(worst, Math.Abs(DeviceMath.Gelu(x) - Kernels.NaiveReference.Gelu(x)) / Math.Max(1, Math.Abs(x)));
            worst = Math.Max(worst, Math.Abs(DeviceMath.SiLU(x) - Kernels.NaiveReference.Silu(x)) / Math.Max(1, Math.Abs(x)));
        }
        TestContext.Out.WriteLine($"GELU / SiLU max error {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-6));
    }
}
