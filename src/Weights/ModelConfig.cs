using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacophony.Weights;

/// <summary>The ViT audio encoder (and AudioMAE's decoder, which has the same blocks).</summary>
public sealed record AudioEncoderConfig
{
    public int HiddenSize { get; set; }
    public int NumLayers { get; set; }
    public int NumHeads { get; set; }
    public int IntermediateSize { get; set; }
    public int PatchSize { get; set; } = 256;
    public int NumFreqPatches { get; set; } = 8;
    public double LayerNormEps { get; set; } = 1e-6;
    public string HiddenAct { get; set; } = "silu";
    public int MaxTimeInd { get; set; } = 10000;
}

/// <summary>A RoBERTa stack: the causal text encoder, or the caption decoder (which adds cross-attention).</summary>
public sealed record RobertaConfig
{
    public int HiddenSize { get; set; }
    public int NumHiddenLayers { get; set; }
    public int NumAttentionHeads { get; set; }
    public int IntermediateSize { get; set; }
    public int VocabSize { get; set; }
    public int MaxPositionEmbeddings { get; set; }
    public int TypeVocabSize { get; set; } = 1;
    public double LayerNormEps { get; set; } = 1e-5;
    public string HiddenAct { get; set; } = "gelu_exact";
    public int PadTokenId { get; set; } = 1;
    public int BosTokenId { get; set; } = 0;
    public int EosTokenId { get; set; } = 2;
    public bool Causal { get; set; } = true;
}

/// <summary>Front-end constants (docs/MODEL.md, "Audio front end"); the defaults are the original's.</summary>
public sealed record PreprocessingConfig
{
    public int SampleRate { get; set; } = 16000;
    public int FrameLength { get; set; } = 400;
    public int FrameStep { get; set; } = 160;
    public int FftLength { get; set; } = 512;
    public int NumMelBins { get; set; } = 128;
    public double LowerEdgeHertz { get; set; } = 0;
    public double UpperEdgeHertz { get; set; } = 8000;
    public double LogMelOffset { get; set; } = 1e-5;
    public double LogMelScale { get; set; } = 0.2;
    public double LogMelBias { get; set; } = 0.9;
    public int PatchTime { get; set; } = 16;
    public int PatchFreq { get; set; } = 16;
    public int SeqLenZeroShot { get; set; } = 500;
    public int SeqLenRetrievalCaption { get; set; } = 1500;
    public int SeqLenHear { get; set; } = 496;
    public int MaxTextLen { get; set; } = 100;
    public int MaxTextLenZeroShotClasses { get; set; } = 77;
    public string ZsPrefix { get; set; } = "This is a sound of ";
    public string ZsPrefixTut { get; set; } = "This is a sound on ";
}

/// <summary>Where a model directory's weights came from.</summary>
public sealed record SourceCheckpoint
{
    public string File { get; set; } = "";
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public string Format { get; set; } = "";
}

/// <summary>How a model directory's int8 tensors were made (config.json's "quantization"; absent for float weights).</summary>
public sealed record QuantizationConfig
{
    public const string SymmetricPerChannel = "symmetric_per_channel";

    /// <summary>int8 values q and float32 scales s, one per channel: w = s * q, s = max |w| / 127 (Cacophony.Weights.Quantization.ChannelQuantizer).</summary>
    public string Method { get; set; } = SymmetricPerChannel;
    public int Bits { get; set; } = 8;
    /// <summary>Dense layers quantized per output channel.</summary>
    public int DenseLayers { get; set; }
    /// <summary>Whether the word embedding (per row) and the caption decoder's output layer are int8 too.</summary>
    public bool Embeddings { get; set; }
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

    public string Kind { get; set; } = CacophonyKind;
    public required AudioEncoderConfig Audio { get; set; }
    public RobertaConfig? Text { get; set; }
    public RobertaConfig? Decoder { get; set; }
    public AudioEncoderConfig? AudiomaeDecoder { get; set; }
    public int NumAttentionPoolHeads { get; set; } = 8;
    public int ProjectionSize { get; set; }
    public double NormEpsEmbedding { get; set; } = 1e-10;
    public PreprocessingConfig Preprocessing { get; set; } = new();
    /// <summary>How the weight matrices are stored: f32, f16, bf16, or int8 (with <see cref="Quantization"/>).</summary>
    public string WeightsDtype { get; set; } = "f32";
    public QuantizationConfig? Quantization { get; set; }
    public SourceCheckpoint? Source { get; set; }

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

/// <summary>
/// config.json's serializer, generated at build time so that a trimmed or native build reads it too. The records
/// above have setters, not init accessors, because generated code gives an init-only property that the file
/// leaves out the type's default instead of the property's initializer (a config without "kind" would not be
/// "cacophony").
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelConfig))]
internal sealed partial class ModelConfigJson : JsonSerializerContext;
