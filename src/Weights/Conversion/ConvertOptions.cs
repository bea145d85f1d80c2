using Cacophony.Weights.Canonical;

namespace Cacophony.Weights.Conversion;

public sealed record ConvertOptions
{
    public required string Checkpoint { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>Directory with vocab.json and merges.txt; null: look in the Hugging Face cache.</summary>
    public string? TokenizerDirectory { get; init; }
    /// <summary>Write no tokenizer files (audio-only use).</summary>
    public bool NoTokenizer { get; init; }
    /// <summary>Storage type of the weight matrices; vectors (biases, norms, scalars) stay float32.</summary>
    public DType WeightsDType { get; init; } = DType.Float32;
    public ConfigOverrides Overrides { get; init; } = new();
    /// <summary>Replace an existing, non-empty output directory.</summary>
    public bool Force { get; init; }
}
