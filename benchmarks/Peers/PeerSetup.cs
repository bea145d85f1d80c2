using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Layers;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Peers;

/// <summary>What both peer benchmarks share: the same random full-size weights for us and for ONNX Runtime, and the agreement check.</summary>
static class PeerSetup
{
    /// <summary>Our model and the ONNX graph with the same weights (std 0.02, seed 0) as initializers, both at `threads`.</summary>
    public static (CacophonyModel Ours, byte[] Graph) Load(int threads, string graphFile, string torchPrefix)
    {
        WorkerPool.MaxThreads = threads;
        var config = StandardConfigs.Full with { Decoder = null };
        var weights = new SyntheticWeights(config, std: 0.02, seed: 0);
        var graph = OnnxInitializers.Embed(File.ReadAllBytes(Path.Combine(OrtEncoders.GraphDirectory(), graphFile)), TorchNamedWeights.From(config, weights, torchPrefix));
        return (new CacophonyModel(config, weights), graph);
    }

    /// <summary>Refuses to time two engines that do not compute the same embeddings.</summary>
    public static void CheckAgreement(string what, float[] ours, float[] peer)
    {
        double error = ours.Select((v, i) => Math.Abs(v - peer[i])).Max();
        Console.WriteLine($"// ours vs ONNX Runtime, {what}: max-abs {error:E2}");
        if (error > 1e-4) throw new InvalidOperationException($"ours and ONNX Runtime disagree by {error} ({what})");
    }

    public static void Release(CacophonyModel ours, OrtEncoders ort)
    {
        WorkerPool.MaxThreads = Environment.ProcessorCount;
        ort.Dispose();
        ours.Dispose();
    }
}
