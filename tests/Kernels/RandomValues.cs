namespace Cacophony.Tests.Kernels;

/// <summary>The kernel tests' inputs: reproducible uniform values in [-scale, scale).</summary>
static class RandomValues
{
    public static float[] Uniform(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }
}
