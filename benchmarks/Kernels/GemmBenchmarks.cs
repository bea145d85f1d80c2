using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Cacophony.Benchmarks.Peers;
using Cacophony.Kernels.Cpu;
using Microsoft.ML.OnnxRuntime;

namespace Cacophony.Benchmarks.Kernels;

/// <summary>
/// The model's GEMM shapes (M x K x N), ours against ONNX Runtime's MatMul (MLAS, B pre-packed as a
/// constant) at 1 and 2 threads. GFLOP/s = 2 M K N / time; compare with <see cref="FmaPeakBenchmarks"/>
/// in the same run. Setup checks that both products agree.
/// </summary>
public class GemmBenchmarks
{
    float[] _a = [];
    float[] _bias = [];
    float[] _c = [];
    float[] _ortC = [];
    PackedMatrix _b = null!;
    InferenceSession _ort = null!;
    OrtValue _ortInput = null!, _ortOutput = null!;
    RunOptions _runOptions = null!;

    [Params("248x768x768", "248x768x3072", "248x3072x768", "500x768x768", "500x768x3072", "500x3072x768", "1500x768x768", "1500x768x3072", "1500x3072x768", "50x768x768")]
    public string Shape = "";

    [Params(1, 2)]
    public int Threads;

    int M => int.Parse(Shape.Split('x')[0]);
    int K => int.Parse(Shape.Split('x')[1]);
    int N => int.Parse(Shape.Split('x')[2]);

    /// <summary>
    /// Our rows run with the ONNX Runtime session closed after the agreement check: its intra-op threads
    /// spin after each run and would share the 2 cores with ours.
    /// </summary>
    [GlobalSetup(Target = nameof(Multiply))]
    public void SetupOurs()
    {
        Setup();
        CloseOrt();
    }

    [GlobalSetup(Target = nameof(OrtMatMul))]
    public void Setup()
    {
        var random = new Random(0);
        _a = Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, K * N).Select(_ => (float)random.NextDouble()).ToArray();
        _b = new PackedMatrix(b, K, N);
        _bias = new float[N];
        _c = new float[M * N];
        _ortC = new float[M * N];
        WorkerPool.MaxThreads = Threads;

        _ort = new InferenceSession(OnnxMatMulGraph.Create(M, K, N, b), OrtEncoders.Options(Threads));
        _ortInput = OrtValue.CreateTensorValueFromMemory(_a, [M, K]);
        _ortOutput = OrtValue.CreateTensorValueFromMemory(_ortC, [M, N]);
        _runOptions = new RunOptions();
        Multiply();
        OrtMatMul();
        double worst = 0;
        for (int i = 0; i < _c.Length; i++) worst = Math.Max(worst, Math.Abs(_c[i] - _ortC[i]) / Math.Max(1, Math.Abs(_ortC[i])));
        if (worst > 1e-5) throw new InvalidOperationException($"ours and ONNX Runtime differ by {worst:E2} (relative)");
        Console.WriteLine($"// {Shape}: ours vs ONNX Runtime MatMul max relative difference {worst:E2}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        WorkerPool.MaxThreads = Environment.ProcessorCount;
        CloseOrt();
    }

    bool _ortClosed;

    void CloseOrt()
    {
        if (_ortClosed) return;
        _ortClosed = true;
        _ortInput.Dispose();
        _ortOutput.Dispose();
        _runOptions.Dispose();
        _ort.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ours")]
    public void Multiply() => Gemm.Multiply(_a, M, _b, _bias, _c);

    [Benchmark(Description = "ONNX Runtime MatMul (pre-packed)")]
    public void OrtMatMul() => _ort.Run(_runOptions, ["A"], [_ortInput], ["Y"], [_ortOutput]);
}

/// <summary>
/// The machine's float32 FMA peak: 12 independent FMA chains (enough to cover the FMA latency) on the widest
/// vector the hardware accelerates (Vector512 with AVX-512, else Vector256: an emulated Vector512 would
/// measure nothing), 10^7 iterations; FLOP = 2 x lanes x 12 chains x iterations per thread.
/// </summary>
public class FmaPeakBenchmarks
{
    const int Iterations = 10_000_000;

    [Params(1, 2)]
    public int Threads;

    /// <summary>Lanes per vector: 16 (Vector512) or 8 (Vector256); GFLOP/s = 2 x Lanes x 12 x 10^7 x Threads / time.</summary>
    public static int Lanes => Vector512.IsHardwareAccelerated ? 16 : 8;

    [Benchmark]
    public float Chains()
    {
        float total = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            float sum = Vector512.IsHardwareAccelerated ? Chains512() : Chains256();
            lock (this) total += sum;
        });
        return total;
    }

    static float Chains512()
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
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    static float Chains256()
    {
        var x = Vector256.Create(1.0001f);
        var y = Vector256.Create(0.9999f);
        Vector256<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, y, x); c1 = Vector256.FusedMultiplyAdd(c1, y, x);
            c2 = Vector256.FusedMultiplyAdd(c2, y, x); c3 = Vector256.FusedMultiplyAdd(c3, y, x);
            c4 = Vector256.FusedMultiplyAdd(c4, y, x); c5 = Vector256.FusedMultiplyAdd(c5, y, x);
            c6 = Vector256.FusedMultiplyAdd(c6, y, x); c7 = Vector256.FusedMultiplyAdd(c7, y, x);
            c8 = Vector256.FusedMultiplyAdd(c8, y, x); c9 = Vector256.FusedMultiplyAdd(c9, y, x);
            c10 = Vector256.FusedMultiplyAdd(c10, y, x); c11 = Vector256.FusedMultiplyAdd(c11, y, x);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
