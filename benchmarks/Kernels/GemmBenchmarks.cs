using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Benchmarks.Kernels;

/// <summary>
/// The model's GEMM shapes (M x K x N), ours at 1 and 2 threads. GFLOP/s = 2 M K N / time; compare with
/// <see cref="FmaPeakBenchmarks"/> in the same run.
/// </summary>
public class GemmBenchmarks
{
    float[] _a = [];
    float[] _bias = [];
    float[] _c = [];
    PackedMatrix _b = null!;

    [Params("500x768x768", "500x768x3072", "500x3072x768", "1500x768x768", "50x768x768")]
    public string Shape = "";

    [Params(1, 2)]
    public int Threads;

    int M => int.Parse(Shape.Split('x')[0]);
    int K => int.Parse(Shape.Split('x')[1]);
    int N => int.Parse(Shape.Split('x')[2]);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        _a = Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble()).ToArray();
        _b = new PackedMatrix(Enumerable.Range(0, K * N).Select(_ => (float)random.NextDouble()).ToArray(), K, N);
        _bias = new float[N];
        _c = new float[M * N];
        StaticParallel.MaxThreads = Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => StaticParallel.MaxThreads = Environment.ProcessorCount;

    [Benchmark]
    public void Multiply() => Gemm.Multiply(_a, M, _b, _bias, _c);
}

/// <summary>
/// The machine's float32 FMA peak: 12 independent Vector512 FMA chains (enough to cover the FMA latency),
/// 10^7 iterations; FLOP = 2 x 16 lanes x 12 chains x iterations per thread.
/// </summary>
public class FmaPeakBenchmarks
{
    const int Iterations = 10_000_000;

    [Params(1, 2)]
    public int Threads;

    [Benchmark]
    public float Chains()
    {
        float total = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            var x = Vector512.Create(1.0001f);
            var y = Vector512.Create(0.9999f);
            Vector512<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
            for (int i = 0; i < Iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, y, x); c1 = Vector512.FusedMultiplyAdd(c1, y, x);
                c2 = Vector512.FusedMultiplyAdd(c2, y, x); c3 = Vector512.FusedMultiplyAdd(c3, y, x);
                c4 = Vector512.FusedMultiplyAdd(c4, y, x); c5 = Vector512.FusedMultiplyAdd(c5, y, x);
                c6 = Vector512.FusedMultiplyAdd(c6, y, x); c7 = Vector512.FusedMultiplyAdd(c7, y, x);
                c8 = Vector512.FusedMultiplyAdd(c8, y, x); c9 = Vector512.FusedMultiplyAdd(c9, y, x);
                c10 = Vector512.FusedMultiplyAdd(c10, y, x); c11 = Vector512.FusedMultiplyAdd(c11, y, x);
            }
            float sum = Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
            lock (this) total += sum;
        });
        return total;
    }
}
