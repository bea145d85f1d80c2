namespace Cacophony.Weights.Canonical;

// The canonical tensor names, spelled once. WeightMap builds the weight set from them and the model code
// asks for its weights through them, so a name cannot drift between the converter, the file and the reader.

/// <summary>A dense layer <c>y = x W + b</c>: W (in, out) and b (out).</summary>
public readonly record struct LinearNames(string Prefix)
{
    public string Weight => Prefix + ".weight";
    public string Bias => Prefix + ".bias";
}

/// <summary>A LayerNorm's scale and bias.</summary>
public readonly record struct NormNames(string Prefix)
{
    public string Scale => Prefix + ".scale";
    public string Bias => Prefix + ".bias";
}

/// <summary>A ViT encoder (the audio tower, or AudioMAE's decoder): patch embedding, frequency table, blocks, final norm.</summary>
public readonly record struct AudioEncoderNames(string Prefix)
{
    public LinearNames PatchEmbed => new(Prefix + ".patch_embed");
    public string FreqEmbed => Prefix + ".freq_embed";
    public AudioBlockNames Block(int index) => new($"{Prefix}.layers.{index}");
    public NormNames Norm => new(Prefix + ".norm");
}

/// <summary>A pre-LN encoder block: norm1, self-attention (q, k, v, out), norm2, MLP (fc1, fc2).</summary>
public readonly record struct AudioBlockNames(string Prefix)
{
    public NormNames Norm1 => new(Prefix + ".norm1");
    public LinearNames Query => new(Prefix + ".attn.q");
    public LinearNames Key => new(Prefix + ".attn.k");
    public LinearNames Value => new(Prefix + ".attn.v");
    public LinearNames Out => new(Prefix + ".attn.out");
    public NormNames Norm2 => new(Prefix + ".norm2");
    public LinearNames Fc1 => new(Prefix + ".mlp.fc1");
    public LinearNames Fc2 => new(Prefix + ".mlp.fc2");
}

/// <summary>A post-LN RoBERTa layer; the caption decoder's also has cross-attention to the audio.</summary>
public readonly record struct RobertaLayerNames(string Prefix)
{
    public LinearNames Query => new(Prefix + ".attn.q");
    public LinearNames Key => new(Prefix + ".attn.k");
    public LinearNames Value => new(Prefix + ".attn.v");
    public LinearNames Out => new(Prefix + ".attn.out");
    public NormNames AttentionNorm => new(Prefix + ".attn.norm");
    public LinearNames CrossQuery => new(Prefix + ".cross_attn.q");
    public LinearNames CrossKey => new(Prefix + ".cross_attn.k");
    public LinearNames CrossValue => new(Prefix + ".cross_attn.v");
    public LinearNames CrossOut => new(Prefix + ".cross_attn.out");
    public NormNames CrossNorm => new(Prefix + ".cross_attn.norm");
    public LinearNames Fc1 => new(Prefix + ".mlp.fc1");
    public LinearNames Fc2 => new(Prefix + ".mlp.fc2");
    public NormNames MlpNorm => new(Prefix + ".mlp.norm");
}

public static partial class WeightMap
{
    /// <summary>Every canonical name of a Cacophony or AudioMAE model directory.</summary>
    public static class Names
    {
        public static AudioEncoderNames AudioEncoder => new("audio");

        /// <summary>The audio attention pool: a learned query, one dense layer giving k | v, and the output projection.</summary>
        public static class AudioPool
        {
            public const string Query = "audio_pool.query";
            public static LinearNames KeyValue => new("audio_pool.kv");
            public static LinearNames Out => new("audio_pool.out");
        }

        public static class Text
        {
            public const string WordEmbedding = "text.embed.word";
            public const string PositionEmbedding = "text.embed.position";
            public const string TokenTypeEmbedding = "text.embed.token_type";
            public static NormNames EmbeddingNorm => new("text.embed.norm");
            public static RobertaLayerNames Layer(int index) => new($"text.layers.{index}");
            public const string PoolQuery = "text_pool.query";
            public static LinearNames PoolKey => new("text_pool.key");
            public static LinearNames PoolValue => new("text_pool.value");
            public static LinearNames Projection => new("text_proj");
        }

        public static class Decoder
        {
            public static RobertaLayerNames Layer(int index) => new($"decoder.layers.{index}");
            public static LinearNames Vocabulary => new("decoder.vocab");
        }

        public static class MaeDecoder
        {
            public static LinearNames Embed => new("mae_decoder.embed");
            public const string RestorePatch = "mae_decoder.restore_patch";
            public static AudioEncoderNames Encoder => new("mae_decoder");
            public static LinearNames Output => new("mae_decoder.output");
        }

        public const string LogitScale = "logit_scale";
    }
}
