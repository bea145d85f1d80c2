using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

/// <summary>
/// Batched STFT magnitudes with tf.signal's framing: frame f = samples [hop f, hop f + 400) (zero past the
/// end) times the periodic Hann window, zero-padded to 512, |FFT| for the 257 non-negative bins. One group of
/// 256 threads per frame: the frame is loaded into shared memory in bit-reversed order, then 9 radix-2
/// decimation-in-time stages, one butterfly per thread per stage, twiddles e^(-2 pi i k / 512) from a table
/// computed in float64 on the host.
/// </summary>
public static class StftKernel
{
    public const int Points = 512, Threads = 256, Bins = Points / 2 + 1;

    public static void Run(ArrayView<float> samples, int count, int hop, ArrayView<float> window, ArrayView<float> twiddleCos,
        ArrayView<float> twiddleSin, ArrayView<float> magnitudes)
    {
        var real = SharedMemory.Allocate<float>(Points);
        var imaginary = SharedMemory.Allocate<float>(Points);
        int frame = Grid.IdxX, lane = Group.IdxX, windowLength = (int)window.Length;
        long start = (long)frame * hop;
        for (int i = lane; i < Points; i += Threads)
        {
            long index = start + i;
            float value = i < windowLength && index < count ? samples[index] * window[i] : 0f;
            int reversed = Reverse9(i);
            real[reversed] = value;
            imaginary[reversed] = 0f;
        }
        Group.Barrier();
        for (int half = 1; half < Points; half *= 2)
        {
            int block = lane / half, position = lane % half;
            int i = block * 2 * half + position, j = i + half;
            int k = position * (Points / 2 / half);
            float wr = twiddleCos[k], wi = twiddleSin[k];
            float tr = wr * real[j] - wi * imaginary[j];
            float ti = wr * imaginary[j] + wi * real[j];
            float ur = real[i], ui = imaginary[i];
            real[i] = ur + tr;
            imaginary[i] = ui + ti;
            real[j] = ur - tr;
            imaginary[j] = ui - ti;
            Group.Barrier();
        }
        long output = (long)frame * Bins;
        for (int k = lane; k < Bins; k += Threads)
            magnitudes[output + k] = MathF.Sqrt(real[k] * real[k] + imaginary[k] * imaginary[k]);
    }

    static int Reverse9(int value)
    {
        int result = 0;
        for (int bit = 0; bit < 9; bit++) result |= ((value >> bit) & 1) << (8 - bit);
        return result;
    }

    /// <summary>cos and sin parts of e^(-2 pi i k / 512), k &lt; 256, in float64 rounded once.</summary>
    public static (float[] Cos, float[] Sin) Twiddles()
    {
        var cos = new float[Points / 2];
        var sin = new float[Points / 2];
        for (int k = 0; k < cos.Length; k++)
        {
            cos[k] = (float)Math.Cos(2 * Math.PI * k / Points);
            sin[k] = (float)-Math.Sin(2 * Math.PI * k / Points);
        }
        return (cos, sin);
    }

    public static KernelConfig Config(int frames) => new(frames, Threads);
}
