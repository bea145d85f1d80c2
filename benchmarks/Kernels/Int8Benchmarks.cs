using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;
using Cacophony.Kernels.Cpu.Int8;

namespace Cacophony.Benchmarks.Kernels;

/// <summary>
/// The int8 product against the float32 one on the model's shapes (M x K x N), same inputs, 1 and 2 threads,
/// with the kernel this CPU picks (<see cref="Int8Kernels.Detected"/>). G int8-ops/s = 2 M K N / time; compare
/// with <see cref="Int8PeakBenchmarks"/> and <see cref="FmaPeakBenchmarks"/> in the same run.
/// </summary>
public class Int8GemmBenchmarks
{
    float[] _a = [];
    float[] _bias = [];
    float[] _c = [];
    PackedMatrix _float = null!;
    QuantizedMatrix _int8 = null!;

    [Params("496x768x2304", "496x768x3072", "496x3072x768", "100x768x2304", "1496x768x768")]
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
        _a = Enumerable.Range(0, M * K).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, K * N).Select(_ => (float)(random.NextDouble() - 0.5) * 0.05f).ToArray();
        _float = new PackedMatrix(b, K, N);
        _int8 = QuantizedMatrix.Quantize(b, K, N);
        _bias = new float[N];
        _c = new float[M * N];
        WorkerPool.MaxThreads = Threads;
        Console.WriteLine($"// int8 kernel: {Int8Kernels.Describe(Int8Kernels.Detected)}");
    }

    [Benchmark(Baseline = true, Description = "float32")]
    public float[] Float()
    {
        Gemm.Multiply(_a, M, _float, _bias, _c);
        return _c;
    }

    [Benchmark(Description = "int8 (activations quantized per call)")]
    public float[] Int8()
    {
        Int8Gemm.Multiply(_a, M, _int8, _bias, _c);
        return _c;
    }
}

/// <summary>
/// The int8 instruction sequences' peak: 12 independent dependent chains of each kernel's step (`vpmaddubsw` +
/// `vpmaddwd` + `vpaddd`, or `vpdpbusd`; each step's activations are the chain's previous sums, so no step can be
/// shared or hoisted), 64 (512-bit) or 32 (256-bit) multiply-adds a step. G int8-ops/s = 2 x MACs a step x
/// 12 x 10^7 x threads / time.
/// </summary>
public class Int8PeakBenchmarks
{
    const int Iterations = 10_000_000;

    [Params(1, 2)]
    public int Threads;

    [ParamsSource(nameof(SupportedSequences))]
    public string Sequence = "";

    /// <summary>The sequences this CPU can run: one it lacks would time an empty loop and print it as a row.</summary>
    public static IEnumerable<string> SupportedSequences()
    {
        if (Avx512BW.IsSupported) yield return "avx512bw";
        if (Avx2.IsSupported) yield return "avx2";
        if (AvxVnni.IsSupported) yield return "avxvnni";
    }

    [Benchmark]
    public int Chains()
    {
        int total = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            int sum = Sequence switch
            {
                "avx512bw" => Chains512(),
                "avx2" => Chains256(),
                "avxvnni" => ChainsVnni(),
                _ => throw new ArgumentException($"unknown sequence {Sequence}"),
            };
            Interlocked.Add(ref total, sum);
        });
        return total;
    }

    static int Chains512()
    {
        var w = Vector512.Create((sbyte)-2);
        var ones = Vector512.Create((short)1);
        Vector512<int> c0 = Vector512.Create(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c0.AsByte(), w), ones); c1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c1.AsByte(), w), ones);
            c2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c2.AsByte(), w), ones); c3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c3.AsByte(), w), ones);
            c4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c4.AsByte(), w), ones); c5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c5.AsByte(), w), ones);
            c6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c6.AsByte(), w), ones); c7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c7.AsByte(), w), ones);
            c8 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c8.AsByte(), w), ones); c9 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c9.AsByte(), w), ones);
            c10 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c10.AsByte(), w), ones); c11 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c11.AsByte(), w), ones);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    static int Chains256()
    {
        var w = Vector256.Create((sbyte)-2);
        var ones = Vector256.Create((short)1);
        Vector256<int> c0 = Vector256.Create(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c0.AsByte(), w), ones); c1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c1.AsByte(), w), ones);
            c2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c2.AsByte(), w), ones); c3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c3.AsByte(), w), ones);
            c4 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c4.AsByte(), w), ones); c5 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c5.AsByte(), w), ones);
            c6 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c6.AsByte(), w), ones); c7 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c7.AsByte(), w), ones);
            c8 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c8.AsByte(), w), ones); c9 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c9.AsByte(), w), ones);
            c10 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c10.AsByte(), w), ones); c11 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(c11.AsByte(), w), ones);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    static int ChainsVnni()
    {
        var w = Vector256.Create((sbyte)-2);
        Vector256<int> c0 = Vector256.Create(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, c0.AsByte(), w); c1 = AvxVnni.MultiplyWideningAndAdd(c1, c1.AsByte(), w);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, c2.AsByte(), w); c3 = AvxVnni.MultiplyWideningAndAdd(c3, c3.AsByte(), w);
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, c4.AsByte(), w); c5 = AvxVnni.MultiplyWideningAndAdd(c5, c5.AsByte(), w);
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, c6.AsByte(), w); c7 = AvxVnni.MultiplyWideningAndAdd(c7, c7.AsByte(), w);
            c8 = AvxVnni.MultiplyWideningAndAdd(c8, c8.AsByte(), w); c9 = AvxVnni.MultiplyWideningAndAdd(c9, c9.AsByte(), w);
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, c10.AsByte(), w); c11 = AvxVnni.MultiplyWideningAndAdd(c11, c11.AsByte(), w);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
