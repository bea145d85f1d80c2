using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.SafeTensors;

namespace Cacophony.Model;

/// <summary>
/// A converted model directory: config.json, model.safetensors (memory-mapped) and, for
/// Cacophony, the tokenizer's vocab.json + merges.txt. Opening checks that every canonical tensor
/// of the config is present with its shape, so a damaged directory fails here, with its name.
/// </summary>
public sealed class ModelDirectory : Layers.IWeightSource, IDisposable
{
    public string Path { get; }
    public ModelConfig Config { get; }
    public SafeTensorsFile Weights { get; }
    public IReadOnlyDictionary<string, BoundTensor> Tensors { get; }

    ModelDirectory(string path, ModelConfig config, SafeTensorsFile weights, IReadOnlyDictionary<string, BoundTensor> tensors)
    {
        Path = path;
        Config = config;
        Weights = weights;
        Tensors = tensors;
    }

    public string VocabularyFile => System.IO.Path.Combine(Path, "vocab.json");
    public string MergesFile => System.IO.Path.Combine(Path, "merges.txt");
    public bool HasTokenizer => File.Exists(VocabularyFile) && File.Exists(MergesFile);

    public static ModelDirectory Open(string path)
    {
        if (!Directory.Exists(path)) throw new CheckpointException(path, "model directory not found");
        var config = ModelConfig.Load(System.IO.Path.Combine(path, CheckpointConverter.ConfigFile));
        var weights = SafeTensorsFile.Open(System.IO.Path.Combine(path, CheckpointConverter.WeightsFile));
        try
        {
            var bound = WeightBinder.Bind(weights.Path, weights.Tensors, WeightMap.For(config, CheckpointFormat.Canonical));
            return new ModelDirectory(path, config, weights, bound.ToDictionary(b => b.Name, StringComparer.Ordinal));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public int[] Shape(string name) =>
        Tensors.TryGetValue(name, out var tensor) ? tensor.Shape : throw new CheckpointException(Weights.Path, name, "missing");

    public void ReadInto(string name, Span<float> destination)
    {
        if (!Tensors.TryGetValue(name, out var tensor)) throw new CheckpointException(Weights.Path, name, "missing");
        tensor.ReadInto(destination);
    }

    public bool ReadsRangesInPlace => true;

    public void ReadRange(string name, long start, Span<float> destination)
    {
        if (!Tensors.TryGetValue(name, out var tensor)) throw new CheckpointException(Weights.Path, name, "missing");
        tensor.ReadRange(start, destination);
    }

    /// <summary>A canonical tensor as float32 (converted when stored as f16/bf16).</summary>
    public float[] Read(string name) =>
        Tensors.TryGetValue(name, out var tensor) ? tensor.Read() : throw new CheckpointException(Weights.Path, name, "missing");

    public void Dispose() => Weights.Dispose();
}
