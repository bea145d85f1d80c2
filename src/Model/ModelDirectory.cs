using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Quantization;
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
            var bound = WeightBinder.Bind(weights.Path, QuantizedTensors.Pair(weights.Path, weights.Tensors), WeightMap.For(config, CheckpointFormat.Canonical));
            return new ModelDirectory(path, config, weights, bound.ToDictionary(b => b.Name, StringComparer.Ordinal));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public int[] Shape(string name) => Find(name).Shape;

    public void ReadInto(string name, Span<float> destination) => Find(name).ReadInto(destination);

    public bool ReadsRangesInPlace => true;

    public void ReadRange(string name, long start, Span<float> destination) => Find(name).ReadRange(start, destination);

    public bool IsQuantized(string name) => PerOutputChannel(name) is not null;

    public void ReadQuantized(string name, Span<sbyte> values, Span<float> scales)
    {
        var quantized = PerOutputChannel(name) ?? throw new CheckpointException(Weights.Path, name, "is not stored as int8 per output channel");
        quantized.ReadInt8(0, values);
        quantized.Scales.CopyTo(scales);
    }

    /// <summary>A dense weight stored as int8 with a scale per output channel (its columns), or null.</summary>
    QuantizedTensor? PerOutputChannel(string name) => Find(name).Quantized is { ChannelAxis: 1 } quantized ? quantized : null;

    BoundTensor Find(string name) => Tensors.TryGetValue(name, out var tensor) ? tensor : throw new CheckpointException(Weights.Path, name, "missing");

    /// <summary>The bytes the weights take in the file (int8, f16 or float32 as stored).</summary>
    public long WeightBytes => new FileInfo(Weights.Path).Length;

    /// <summary>A canonical tensor as float32 (converted when stored as f16/bf16, dequantized when stored as int8).</summary>
    public float[] Read(string name) => Find(name).Read();

    public void Dispose() => Weights.Dispose();
}
