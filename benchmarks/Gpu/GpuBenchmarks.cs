using BenchmarkDotNet.Attributes;
using Cacophony.Kernels;
using Cacophony.Kernels.Gpu;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights.Synthetic;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Benchmarks.Gpu;

/// <summary>
/// The device backend at full size (random weights, std 0.02) on the first CUDA device, or the one named by
/// CACOPHONY_BENCH_DEVICE (cuda | opencl): audio encoder for 10 s and 30 s clips at batch 1 and 32, text encoder
/// for 256 prompts, greedy caption steps. Every call synchronizes (results come back to the host). Setup
/// fails with the reason when there is no such device. Compare with PyTorch on the same machine in the same
/// session (docs/PERFORMANCE.md).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class GpuEncoderBenchmarks
{
    CacophonyModel _model = null!;
    AudioPatches[] _clips = [];
    int[][] _prompts = [];

    [Params(10, 30)]
    public int Seconds;

    [Params(1, 32)]
    public int Batch;

    static DeviceKind Kind => Environment.GetEnvironmentVariable("CACOPHONY_BENCH_DEVICE") == "opencl" ? DeviceKind.OpenCL : DeviceKind.Cuda;

    internal static GpuDevice OpenDevice() => GpuDevice.TryOpen(Kind, out var reason) ?? throw new InvalidOperationException($"no {Kind} device: {reason}");

    [GlobalSetup]
    public void Setup()
    {
        var config = StandardConfigs.Full;
        _model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 3), new ModelOptions { Device = Kind });
        _model.WarmUp(decoder: false);
        var samples = BenchmarkInputs.Clip(Seconds);
        var policy = (Seconds <= 10 ? SequencePolicy.ZeroShot : SequencePolicy.RetrievalAndCaptioning) with { Padding = SequencePadding.Exact };
        var clip = _model.FrontEnd.Process(samples, 16000, policy).Patches;
        _clips = Enumerable.Repeat(clip, Batch).ToArray();
        _prompts = Enumerable.Range(0, 256).Select(i => new[] { 0, 713, 16, 10, 2369, 9, 1000 + i, 2 }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Description = "audio encoder + pool, patches -> embeddings")]
    public int Audio() => _model.EncodeAudio(_clips).Count;

    [Benchmark(Description = "text encoder + pool + projection, 256 prompts")]
    public int Text() => _model.EncodeTokens(_prompts).Count;
}

/// <summary>The device GEMM on the model's shapes (GFLOP/s = 2 M K N / time), synchronized per call.</summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class GpuGemmBenchmarks
{
    GpuDevice _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _a = null!, _b = null!, _bias = null!, _c = null!;

    [Params("500x768x768", "500x768x3072", "500x3072x768", "16000x768x768", "16000x768x3072")]
    public string Shape = "";

    int M => int.Parse(Shape.Split('x')[0]);
    int K => int.Parse(Shape.Split('x')[1]);
    int N => int.Parse(Shape.Split('x')[2]);

    [GlobalSetup]
    public void Setup()
    {
        _device = GpuEncoderBenchmarks.OpenDevice();
        var random = new Random(0);
        _a = _device.Accelerator.Allocate1D(Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble()).ToArray());
        _b = _device.Accelerator.Allocate1D(Enumerable.Range(0, K * N).Select(_ => (float)random.NextDouble()).ToArray());
        _bias = _device.Accelerator.Allocate1D<float>(N);
        _c = _device.Accelerator.Allocate1D<float>((long)M * N);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in new[] { _a, _b, _bias, _c }) buffer.Dispose();
        _device.Dispose();
    }

    [Benchmark]
    public void Gemm()
    {
        _device.Kernels.Gemm(_a.View, _b.View, _bias.View, _c.View, M, K, N);
        _device.Accelerator.Synchronize();
    }
}
