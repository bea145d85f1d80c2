using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Peers;

/// <summary>What both peer benchmarks share: the same random full-size weights for us and for ONNX Runtime, and the agreement check.</summary>
static class PeerSetup
{
    /// <summary>Our model and the ONNX graph with the same weights (std 0.02, seed 0) as initializers, both at `threads`.</summary>
    public static (CacophonyModel Ours, byte[] Graph) Load(int threads, string graphFile, string torchPrefix)
    {
        WorkerPool.MaxThreads = threads;
        var weights = new SyntheticWeights(Config, std: 0.02, seed: 0);
        return (CacophonyModel.FromWeights(Config, weights), Graph(weights, graphFile, torchPrefix));
    }

    /// <summary>
    /// Our float32 and int8 engines, and the ONNX graph in float32 and in ONNX Runtime's dynamic int8 form
    /// (<see cref="OnnxDynamicInt8"/>), all four on the same weights, at `threads`.
    /// </summary>
    public static (CacophonyModel Ours, CacophonyModel OursInt8, byte[] Graph, byte[] GraphInt8) LoadWithInt8(int threads, string graphFile, string torchPrefix)
    {
        WorkerPool.MaxThreads = threads;
        var weights = new SyntheticWeights(Config, std: 0.02, seed: 0);
        var torch = TorchNamedWeights.From(Config, weights, torchPrefix);
        var graph = File.ReadAllBytes(Path.Combine(OrtEncoders.GraphDirectory(), graphFile));
        return (CacophonyModel.FromWeights(Config, weights), CacophonyModel.FromWeights(Config, weights, new ModelOptions { Precision = WeightPrecision.Int8 }),
            OnnxInitializers.Embed(graph, torch), OnnxDynamicInt8.Quantize(graph, torch));
    }

    /// <summary>The cosine of an int8 engine's embeddings to our float32 ones (rows of `width`), the lowest over the rows.</summary>
    public static double LowestCosine(float[] reference, float[] quantized, int width)
    {
        double lowest = 1;
        for (int row = 0; row < reference.Length / width; row++)
            lowest = Math.Min(lowest, Embedding.Cosine(reference.AsSpan(row * width, width).ToArray(), quantized.AsSpan(row * width, width).ToArray()));
        return lowest;
    }

    /// <summary>Only the ONNX graph with those weights, for runs of the peer alone.</summary>
    public static byte[] Graph(string graphFile, string torchPrefix) => Graph(new SyntheticWeights(Config, std: 0.02, seed: 0), graphFile, torchPrefix);

    /// <summary>The full-size configuration without the caption decoder: embeddings only.</summary>
    public static ModelConfig Config => StandardConfigs.Full with { Decoder = null };

    static byte[] Graph(SyntheticWeights weights, string graphFile, string torchPrefix) =>
        OnnxInitializers.Embed(File.ReadAllBytes(Path.Combine(OrtEncoders.GraphDirectory(), graphFile)), TorchNamedWeights.From(Config, weights, torchPrefix));

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
