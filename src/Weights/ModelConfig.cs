using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacophony.Weights;

/// <summary>The ViT audio encoder (and AudioMAE's decoder, which has the same blocks).</summary>
public sealed record AudioEncoderConfig
{
    public int HiddenSize { get; init; }
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int IntermediateSize { get; init; }
    public int PatchSize { get; init; } = 256;
    public int NumFreqPatches { get; init; } = 8;
    public double LayerNormEps { get; init; } = 1e-6;
    public string HiddenAct { get; init; } = "silu";
    public int MaxTimeInd { get; init; } = 10000;
}

/// <summary>A RoBERTa stack: the causal text encoder, or the caption decoder (which adds cross-attention).</summary>
public sealed record RobertaConfig
{
    public int HiddenSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int IntermediateSize { get; init; }
    public int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; }
    public int TypeVocabSize { get; init; } = 1;
    public double LayerNormEps { get; init; } = 1e-5;
    public string HiddenAct { get; init; } = "gelu_exact";
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; } = 0;
    public int EosTokenId { get; init; } = 2;
    public bool Causal { get; init; } = true;
}

/// <summary>Front-end constants (DESIGN.md §2); the defaults are the original's.</summary>
public sealed record PreprocessingConfig
{
    public int SampleRate { get; init; } = 16000;
    public int FrameLength { get; init; } = 400;
    public int FrameStep { get; init; } = 160;
    public int FftLength { get; init; } = 512;
    public int NumMelBins { get; init; } = 128;
    public double LowerEdgeHertz { get; init; } = 0;
    public double UpperEdgeHertz { get; init; } = 8000;
    public double LogMelOffset { get; init; } = 1e-5;
    public double LogMelScale { get; init; } = 0.2;
    public double LogMelBias { get; init; } = 0.9;
    public int PatchTime { get; init; } = 16;
    public int PatchFreq { get; init; } = 16;
    public int SeqLenZeroShot { get; init; } = 500;
    public int SeqLenRetrievalCaption { get; init; } = 1500;
    public int SeqLenHear { get; init; } = 496;
    public int MaxTextLen { get; init; } = 100;
    public int MaxTextLenZeroShotClasses { get; init; } = 77;
    public string ZsPrefix { get; init; } = "This is a sound of ";
    public string ZsPrefixTut { get; init; } = "This is a sound on ";
}

/// <summary>Where a model directory's weights came from.</summary>
public sealed record SourceCheckpoint
{
    public string File { get; init; } = "";
    public long Size { get; init; }
    public string Sha256 { get; init; } = "";
    public string Format { get; init; } = "";
}

/// <summary>
/// Every dimension of a model directory (config.json). Written by the converter from the
/// checkpoint's tensor shapes; read by the model. Snake-case JSON, the same keys as the golden
/// reference's config.json.
/// </summary>
public sealed record ModelConfig
{
    public const string CacophonyKind = "cacophony";
    public const string AudioMaeKind = "audiomae";

    public string Kind { get; init; } = CacophonyKind;
    public required AudioEncoderConfig Audio { get; init; }
    public RobertaConfig? Text { get; init; }
    public RobertaConfig? Decoder { get; init; }
    public AudioEncoderConfig? AudiomaeDecoder { get; init; }
    public int NumAttentionPoolHeads { get; init; } = 8;
    public int ProjectionSize { get; init; }
    public double NormEpsEmbedding { get; init; } = 1e-10;
    public PreprocessingConfig Preprocessing { get; init; } = new();
    public string WeightsDtype { get; init; } = "f32";
    public SourceCheckpoint? Source { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ModelConfigJson.Default.ModelConfig);

    public static ModelConfig Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new CheckpointException(path, "file not found");
        try
        {
            var config = JsonSerializer.Deserialize(System.IO.File.ReadAllText(path), ModelConfigJson.Default.ModelConfig)
                ?? throw new CheckpointException(path, "empty config");
            ModelConfigValidation.Validate(config, path);
            return config;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"invalid config.json: {e.Message}");
        }
    }
}

/// <summary>config.json's serializer, generated at build time so that a trimmed or native build reads it too.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelConfig))]
internal sealed partial class ModelConfigJson : JsonSerializerContext;
