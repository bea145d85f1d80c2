using System.Numerics;
using BenchmarkDotNet.Attributes;
using Cacophony.Kernels.Cpu;

namespace Cacophony.Benchmarks.Kernels;

/// <summary>Small FFTs against the naive O(n^2) DFT they replace.</summary>
public class FftSmallBenchmarks
{
    Complex[] _input = [];
    Complex[] _work = [];

    [Params(64, 400, 512)]
    public int N;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(N);
        _input = Enumerable.Range(0, N).Select(_ => new Complex(random.NextDouble(), random.NextDouble())).ToArray();
        _work = new Complex[N];
        FftPlan.Get(N);
    }

    [Benchmark(Baseline = true, Description = "naive DFT")]
    public Complex[] Naive()
    {
        var output = new Complex[N];
        for (int k = 0; k < N; k++)
        {
            Complex acc = 0;
            for (int j = 0; j < N; j++)
            {
                var (sin, cos) = Math.SinCos(-2 * Math.PI * (j * k % N) / N);
                acc += _input[j] * new Complex(cos, sin);
            }
            output[k] = acc;
        }
        return output;
    }

    [Benchmark(Description = "FftPlan.Forward")]
    public Complex[] Fft()
    {
        _input.CopyTo(_work, 0);
        FftPlan.Get(N).Forward(_work);
        return _work;
    }
}

/// <summary>The long transforms of resampling: a 10 s clip at 44.1 kHz (mixed radix 2^3 3^2 5^3 7^2), 48 kHz, and a Bluestein length.</summary>
public class FftLargeBenchmarks
{
    double[] _real = [];
    Complex[] _spectrum = [];
    Complex[] _complex = [];

    [Params(441000, 480000, 68545)]
    public int N;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(N);
        _real = Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();
        _spectrum = new Complex[N / 2 + 1];
        _complex = new Complex[N];
        FftPlan.Get(N);
        FftPlan.Get(N / 2);
    }

    [Benchmark(Description = "complex FFT")]
    public Complex[] Complex()
    {
        for (int i = 0; i < N; i++) _complex[i] = _real[i];
        FftPlan.Get(N).Forward(_complex);
        return _complex;
    }

    [Benchmark(Description = "real FFT (rfft)")]
    public Complex[] Real()
    {
        RealFft.Forward(_real, _spectrum);
        return _spectrum;
    }
}
