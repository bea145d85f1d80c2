using BenchmarkDotNet.Attributes;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Weights;

/// <summary>
/// Converting a full-size checkpoint (1.16 GB Flax msgpack with the published shapes, generated in
/// setup) against the I/O floor on the same machine: copying the same file.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ConversionBenchmarks
{
    string _directory = "";
    string _checkpoint = "";

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("cacophony-bench-").FullName;
        _checkpoint = Path.Combine(_directory, "full.ckpt");
        using var stream = File.Create(_checkpoint);
        SyntheticCheckpoint.WriteFlax(stream, StandardConfigs.Full, std: 0.02, seed: 0);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "copy the checkpoint file (I/O floor)")]
    public void CopyFile() => File.Copy(_checkpoint, Path.Combine(_directory, "copy.ckpt"), overwrite: true);

    [Benchmark(Description = "convert_checkpoint, f32")]
    public void ConvertFloat32() => CheckpointConverter.Convert(new ConvertOptions
    {
        Checkpoint = _checkpoint,
        OutputDirectory = Path.Combine(_directory, "model"),
        NoTokenizer = true,
        Force = true,
    });
}
