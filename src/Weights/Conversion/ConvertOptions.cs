using Cacophony.Weights.Canonical;

namespace Cacophony.Weights.Conversion;

public sealed record ConvertOptions
{
    /// <summary>A Flax .ckpt, a PyTorch .pt, or a model directory (re-written in another storage type).</summary>
    public required string Checkpoint { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>Directory with vocab.json and merges.txt; null: look in the Hugging Face cache.</summary>
    public string? TokenizerDirectory { get; init; }
    /// <summary>Write no tokenizer files (audio-only use).</summary>
    public bool NoTokenizer { get; init; }
    /// <summary>
    /// Storage type of the weight matrices: f32, f16/bf16, or int8 (dense layers per output channel, with float32
    /// scales); vectors (biases, norms, scalars) and positional tables stay float32.
    /// </summary>
    public DType WeightsDType { get; init; } = DType.Float32;
    /// <summary>With int8: also the word embedding (per row) and the caption decoder's output layer; false keeps them float32.</summary>
    public bool QuantizeEmbeddings { get; init; } = true;
    public ConfigOverrides Overrides { get; init; } = new();
    /// <summary>Replace an existing, non-empty output directory.</summary>
    public bool Force { get; init; }
}
