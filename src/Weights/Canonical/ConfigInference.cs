namespace Cacophony.Weights.Canonical;

/// <summary>Settings that tensor shapes cannot tell; null means "use the default".</summary>
public sealed record ConfigOverrides
{
    public int? AudioHeads { get; init; }
    public int? TextHeads { get; init; }
    public int? DecoderHeads { get; init; }
    public int? PoolHeads { get; init; }
    public int? MaeDecoderHeads { get; init; }
}

/// <summary>
/// Reads every dimension it can from tensor shapes (layers, widths, vocabulary; audio heads from
/// Flax's (in, heads, head_dim) attention kernels). What shapes cannot tell takes the original's
/// defaults: RoBERTa heads of 64 wide (12 at width 768), audio heads of 96 wide for a PyTorch
/// file (8 at 768), 8 pool heads; a width that does not divide asks for the override.
/// </summary>
public static class ConfigInference
{
    public static (ModelConfig Config, bool ScannedLayers) FromFlax(string file, IReadOnlyDictionary<string, SourceTensor> tensors, ConfigOverrides overrides)
    {
        var shapes = new Shapes(file, tensors);
        bool mae = tensors.ContainsKey("AudioEncoder_0/Dense_0/kernel");
        if (!mae && !tensors.ContainsKey("audio_module/Dense_0/kernel"))
            throw new CheckpointException(file, "neither a Cacophony nor an AudioMAE checkpoint: found no audio_module/Dense_0/kernel or AudioEncoder_0/Dense_0/kernel");
        string root = mae ? "AudioEncoder_0" : "audio_module";
        var audio = FlaxAudioEncoder(shapes, root, overrides.AudioHeads) with { PatchSize = shapes.Get($"{root}/Dense_0/kernel")[0] };
        if (mae)
        {
            var decoder = FlaxAudioEncoder(shapes, "AudioDecoder_0", overrides.MaeDecoderHeads) with { PatchSize = shapes.Get("AudioDecoder_0/Dense_1/kernel")[1] };
            return (new ModelConfig { Kind = ModelConfig.AudioMaeKind, Audio = audio, AudiomaeDecoder = decoder, ProjectionSize = 0 }, false);
        }

        bool scanned = tensors.ContainsKey("text_module/encoder/layer/ScanFlaxRobertaLayer_0/attention/self/query/kernel");
        var text = FlaxRoberta(shapes, "text_module", scanned, overrides.TextHeads);
        var word = shapes.Get("text_module/embeddings/word_embeddings/embedding");
        text = text with
        {
            VocabSize = word[0],
            MaxPositionEmbeddings = shapes.Get("text_module/embeddings/position_embeddings/embedding")[0],
            TypeVocabSize = shapes.Get("text_module/embeddings/token_type_embeddings/embedding")[0],
        };
        RobertaConfig? decoderConfig = null;
        if (tensors.ContainsKey("decoder_module/decoder_proj/kernel"))
            decoderConfig = FlaxRoberta(shapes, "decoder_module", scanned, overrides.DecoderHeads) with
            {
                VocabSize = shapes.Get("decoder_module/decoder_proj/kernel")[1],
                MaxPositionEmbeddings = text.MaxPositionEmbeddings,
                TypeVocabSize = text.TypeVocabSize,
            };
        return (Cacophony(audio, text, decoderConfig, shapes.Get("audio_attention_pool/Dense_1/kernel")[1], overrides), scanned);
    }

    public static ModelConfig FromTorch(string file, IReadOnlyDictionary<string, SourceTensor> tensors, ConfigOverrides overrides)
    {
        var shapes = new Shapes(file, tensors);
        if (!tensors.ContainsKey("audio_module.input_proj.weight"))
            throw new CheckpointException(file, "not a Cacophony state_dict: found no audio_module.input_proj.weight");
        var input = shapes.Get("audio_module.input_proj.weight");
        int h = input[0];
        var audio = new AudioEncoderConfig
        {
            HiddenSize = h,
            PatchSize = input[1],
            NumLayers = shapes.CountLayers("audio_module.layers.{0}.attn.in_proj_weight"),
            NumHeads = Heads(file, "audio", h, overrides.AudioHeads, headWidth: 96, "--audio-heads"),
            IntermediateSize = shapes.Get("audio_module.layers.0.mlp.fc1.weight")[0],
            NumFreqPatches = shapes.Get("audio_module.freq_positional_embedding")[0],
        };
        var word = shapes.Get("text_module.embeddings.word_embeddings.weight");
        var text = new RobertaConfig
        {
            HiddenSize = word[1],
            VocabSize = word[0],
            MaxPositionEmbeddings = shapes.Get("text_module.embeddings.position_embeddings.weight")[0],
            TypeVocabSize = shapes.Get("text_module.embeddings.token_type_embeddings.weight")[0],
            NumHiddenLayers = shapes.CountLayers("text_module.encoder.layers.{0}.attention.self.query.weight"),
            NumAttentionHeads = Heads(file, "text", word[1], overrides.TextHeads, headWidth: 64, "--text-heads"),
            IntermediateSize = shapes.Get("text_module.encoder.layers.0.intermediate.dense.weight")[0],
        };
        RobertaConfig? decoder = null;
        if (tensors.ContainsKey("decoder_module.decoder_proj.weight"))
        {
            var vocab = shapes.Get("decoder_module.decoder_proj.weight");
            decoder = text with
            {
                HiddenSize = vocab[1],
                VocabSize = vocab[0],
                NumHiddenLayers = shapes.CountLayers("decoder_module.encoder.layers.{0}.attention.self.query.weight"),
                NumAttentionHeads = Heads(file, "decoder", vocab[1], overrides.DecoderHeads, headWidth: 64, "--decoder-heads"),
                IntermediateSize = shapes.Get("decoder_module.encoder.layers.0.intermediate.dense.weight")[0],
            };
        }
        return Cacophony(audio, text, decoder, shapes.Get("audio_attention_pool.out_proj.weight")[0], overrides);
    }

    static ModelConfig Cacophony(AudioEncoderConfig audio, RobertaConfig text, RobertaConfig? decoder, int projection, ConfigOverrides overrides)
    {
        int poolHeads = overrides.PoolHeads ?? 8;
        if (poolHeads <= 0 || audio.HiddenSize % poolHeads != 0)
            throw new ArgumentException($"{poolHeads} audio pool heads do not divide the audio width {audio.HiddenSize}; pass --pool-heads");
        return new ModelConfig { Audio = audio, Text = text, Decoder = decoder, ProjectionSize = projection, NumAttentionPoolHeads = poolHeads };
    }

    static AudioEncoderConfig FlaxAudioEncoder(Shapes shapes, string root, int? headsOverride)
    {
        var query = shapes.Get($"{root}/AudioEncoderLayer_0/MultiHeadDotProductAttention_0/query/kernel");
        if (query.Length != 3) throw new CheckpointException(shapes.File, $"{root}/AudioEncoderLayer_0/MultiHeadDotProductAttention_0/query/kernel", $"has shape {TensorShape.Format(query)}, expected (in, heads, head_dim)");
        if (headsOverride is int heads && heads != query[1])
            throw new ArgumentException($"{root} has {query[1]} attention heads in its kernels, not {heads}");
        return new AudioEncoderConfig
        {
            HiddenSize = query[0],
            NumHeads = query[1],
            NumLayers = shapes.CountLayers($"{root}/AudioEncoderLayer_{{0}}/LayerNorm_0/scale"),
            IntermediateSize = shapes.Get($"{root}/AudioEncoderLayer_0/MLP_0/Dense_0/kernel")[1],
            NumFreqPatches = shapes.Get($"{root}/freq_positional_embedding")[0],
        };
    }

    static RobertaConfig FlaxRoberta(Shapes shapes, string module, bool scanned, int? headsOverride)
    {
        int layers;
        int[] intermediate;
        if (scanned)
        {
            var stacked = shapes.Get($"{module}/encoder/layer/ScanFlaxRobertaLayer_0/attention/self/query/kernel");
            layers = stacked[0];
            intermediate = shapes.Get($"{module}/encoder/layer/ScanFlaxRobertaLayer_0/intermediate/dense/kernel")[1..];
        }
        else
        {
            layers = shapes.CountLayers($"{module}/encoder/layer/{{0}}/attention/self/query/kernel");
            intermediate = shapes.Get($"{module}/encoder/layer/0/intermediate/dense/kernel");
        }
        int width = intermediate[0];
        return new RobertaConfig
        {
            HiddenSize = width,
            NumHiddenLayers = layers,
            IntermediateSize = intermediate[1],
            NumAttentionHeads = Heads(shapes.File, module == "text_module" ? "text" : "decoder", width, headsOverride, headWidth: 64, module == "text_module" ? "--text-heads" : "--decoder-heads"),
        };
    }

    static int Heads(string file, string what, int width, int? requested, int headWidth, string option)
    {
        int heads = requested ?? (width % headWidth == 0 ? width / headWidth : 0);
        if (heads <= 0 || width % heads != 0)
            throw new CheckpointException(file, requested is null
                ? $"the {what} attention head count cannot be read from the weights and width {width} is not a multiple of {headWidth}; pass {option}"
                : $"{heads} {what} attention heads do not divide the width {width}");
        return heads;
    }

    sealed class Shapes(string file, IReadOnlyDictionary<string, SourceTensor> tensors)
    {
        public string File => file;

        public int[]? TryGet(string name) => tensors.TryGetValue(name, out var t) ? t.Shape : null;

        public int[] Get(string name) => TryGet(name) ?? throw new CheckpointException(file, name, "missing (needed to infer the model's dimensions)");

        /// <summary>Layers are numbered 0, 1, ... : count until the first gap.</summary>
        public int CountLayers(string pattern)
        {
            int n = 0;
            while (tensors.ContainsKey(string.Format(pattern, n))) n++;
            if (n == 0) throw new CheckpointException(file, string.Format(pattern, 0), "missing (no layers found)");
            return n;
        }
    }
}
