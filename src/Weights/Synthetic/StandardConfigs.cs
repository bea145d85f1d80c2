namespace Cacophony.Weights.Synthetic;

/// <summary>The published model's dimensions (docs/MODEL.md): ViT-base audio tower, roberta-base text tower.</summary>
public static class StandardConfigs
{
    public static ModelConfig Full => new()
    {
        Audio = new AudioEncoderConfig { HiddenSize = 768, NumLayers = 12, NumHeads = 8, IntermediateSize = 3072 },
        Text = Roberta(layers: 12),
        Decoder = Roberta(layers: 4),
        ProjectionSize = 768,
        NumAttentionPoolHeads = 8,
    };

    static RobertaConfig Roberta(int layers) => new()
    {
        HiddenSize = 768,
        NumHiddenLayers = layers,
        NumAttentionHeads = 12,
        IntermediateSize = 3072,
        VocabSize = 50265,
        MaxPositionEmbeddings = 514,
    };
}
