namespace Cacophony.Weights.Canonical;

/// <summary>
/// The canonical weight set, derived from the config, and where each tensor lives in a Flax,
/// PyTorch or canonical checkpoint. Canonical conventions: a dense layer is <c>y = x @ weight + bias</c>
/// with weight (in, out), the Flax layout; attention heads are concatenated head-major
/// (q.weight is Flax's (in, heads, head_dim) kernel seen as (in, heads*head_dim)); LayerNorm
/// parameters are scale and bias; layers are unrolled (<c>text.layers.3.attn.q.weight</c>).
/// This file is the one place the three naming schemes meet.
/// </summary>
public static partial class WeightMap
{
    /// <summary>The canonical tensors of a config: names and shapes, in model order.</summary>
    public static IReadOnlyList<(string Name, int[] Shape)> Canonical(ModelConfig config) =>
        For(config, CheckpointFormat.Canonical).Select(m => (m.Name, m.Shape)).ToList();

    /// <param name="scannedLayers">Flax only: RoBERTa layers stacked on axis 0 under ScanFlaxRobertaLayer_0 (else layer/0, layer/1, ...).</param>
    public static IReadOnlyList<WeightMapping> For(ModelConfig config, CheckpointFormat format, bool scannedLayers = true)
    {
        var b = new Builder(format);
        var audio = config.Audio;
        bool mae = config.Kind == ModelConfig.AudioMaeKind;
        if (mae && format == CheckpointFormat.Torch)
            throw new NotSupportedException("AudioMAE checkpoints exist only in the Flax format");

        b.AudioEncoder(Names.AudioEncoder, mae ? "AudioEncoder_0" : "audio_module", "audio_module", audio, audio.PatchSize);
        if (mae)
        {
            var dec = config.AudiomaeDecoder ?? throw new ArgumentException("an AudioMAE config needs audiomae_decoder");
            b.Dense(Names.MaeDecoder.Embed, new("AudioDecoder_0/Dense_0"), "", audio.HiddenSize, dec.HiddenSize);
            b.Param(Names.MaeDecoder.RestorePatch, new("AudioDecoder_0/restore_patch"), "", [dec.HiddenSize]);
            b.AudioEncoder(Names.MaeDecoder.Encoder, "AudioDecoder_0", "", dec, inputSize: null);
            b.Dense(Names.MaeDecoder.Output, new("AudioDecoder_0/Dense_1"), "", dec.HiddenSize, dec.PatchSize);
            return b.Mappings;
        }

        var text = config.Text ?? throw new ArgumentException("a Cacophony config needs text");
        int h = audio.HiddenSize, t = text.HiddenSize, p = config.ProjectionSize;
        b.Param(Names.AudioPool.Query, new("audio_attention_pool/query"), "audio_attention_pool.query", [h]);
        b.Dense(Names.AudioPool.KeyValue, new("audio_attention_pool/Dense_0"), "audio_attention_pool.kv_proj", h, 2 * h);
        b.Dense(Names.AudioPool.Out, new("audio_attention_pool/Dense_1"), "audio_attention_pool.out_proj", h, p);

        b.Embedding(Names.Text.WordEmbedding, "text_module/embeddings/word_embeddings", "text_module.embeddings.word_embeddings", text.VocabSize, t, quantizable: true);
        b.Embedding(Names.Text.PositionEmbedding, "text_module/embeddings/position_embeddings", "text_module.embeddings.position_embeddings", text.MaxPositionEmbeddings, t);
        b.Embedding(Names.Text.TokenTypeEmbedding, "text_module/embeddings/token_type_embeddings", "text_module.embeddings.token_type_embeddings", text.TypeVocabSize, t);
        b.LayerNorm(Names.Text.EmbeddingNorm, new("text_module/embeddings/LayerNorm"), "text_module.embeddings.LayerNorm", t);
        for (int i = 0; i < text.NumHiddenLayers; i++)
            b.RobertaLayer(Names.Text.Layer(i), RobertaAt("text_module", i, text.NumHiddenLayers, scannedLayers), $"text_module.encoder.layers.{i}", text, crossAttentionFrom: null);
        b.Param(Names.Text.PoolQuery, new("text_module/pooler/attention_pool_query"), "text_module.pooler.attention_pool_query", [t], flaxShape: [1, t], torchShape: [1, t]);
        b.Dense(Names.Text.PoolKey, new("text_module/pooler/key_proj"), "text_module.pooler.key_proj", t, t);
        b.Dense(Names.Text.PoolValue, new("text_module/pooler/value_proj"), "text_module.pooler.value_proj", t, t);
        b.Dense(Names.Text.Projection, new("text_proj"), "text_proj", t, p);

        if (config.Decoder is { } decoder)
        {
            for (int i = 0; i < decoder.NumHiddenLayers; i++)
                b.RobertaLayer(Names.Decoder.Layer(i), RobertaAt("decoder_module", i, decoder.NumHiddenLayers, scannedLayers), $"decoder_module.encoder.layers.{i}", decoder, crossAttentionFrom: h);
            b.Dense(Names.Decoder.Vocabulary, new("decoder_module/decoder_proj"), "decoder_module.decoder_proj", decoder.HiddenSize, decoder.VocabSize);
        }
        b.Param(Names.LogitScale, new("logit_scale"), "logit_scale", []);
        return b.Mappings;
    }

    static FlaxAt RobertaAt(string module, int layer, int layers, bool scanned) => scanned
        ? new($"{module}/encoder/layer/ScanFlaxRobertaLayer_0", layer, layers)
        : new($"{module}/encoder/layer/{layer}");

    /// <summary>A Flax module path; for scanned stacks also the layer and the stack depth (axis 0).</summary>
    readonly record struct FlaxAt(string Path, int? Layer = null, int Layers = 0)
    {
        public FlaxAt Sub(string child) => this with { Path = Path + "/" + child };
    }

    sealed class Builder(CheckpointFormat format)
    {
        public List<WeightMapping> Mappings { get; } = [];

        // A dense weight is (in, out): its output channels are its columns.
        const int PerOutputChannel = 1;

        void Add(string name, int[] shape, SourceRef source, int? channelAxis = null) => Mappings.Add(new WeightMapping(name, shape, source, channelAxis));

        /// <summary>Flax tensor at a (possibly scanned) path: the stacked shape, and the layer's element range.</summary>
        static SourceRef FlaxTensor(FlaxAt at, string leaf, int[] flaxShape)
        {
            string path = leaf.Length == 0 ? at.Path : at.Path + "/" + leaf;
            if (at.Layer is not int layer) return new SourceRef(path, flaxShape);
            return new SourceRef(path, [at.Layers, .. flaxShape], layer * TensorShape.ElementCount(flaxShape));
        }

        public void Param(string name, FlaxAt flax, string torch, int[] shape, int[]? flaxShape = null, int[]? torchShape = null) =>
            Add(name, shape, format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "", flaxShape ?? shape),
                CheckpointFormat.Torch => new SourceRef(torch, torchShape ?? shape),
                _ => new SourceRef(name, shape),
            });

        /// <param name="quantizable">Whether the table may be stored as int8, one scale per row (the word table; positional tables stay float).</param>
        public void Embedding(string name, string flax, string torch, int rows, int dim, bool quantizable = false) =>
            Add(name, [rows, dim], format switch
            {
                CheckpointFormat.Flax => new SourceRef(flax + "/embedding", [rows, dim]),
                CheckpointFormat.Torch => new SourceRef(torch + ".weight", [rows, dim]),
                _ => new SourceRef(name, [rows, dim]),
            }, quantizable ? 0 : null);

        public void Dense(LinearNames name, FlaxAt flax, string torch, int input, int output)
        {
            Add(name.Weight, [input, output], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "kernel", [input, output]),
                CheckpointFormat.Torch => new SourceRef(torch + ".weight", [output, input], Transpose: true),
                _ => new SourceRef(name.Weight, [input, output]),
            }, PerOutputChannel);
            Add(name.Bias, [output], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "bias", [output]),
                CheckpointFormat.Torch => new SourceRef(torch + ".bias", [output]),
                _ => new SourceRef(name.Bias, [output]),
            });
        }

        public void LayerNorm(NormNames name, FlaxAt flax, string torch, int dim)
        {
            Add(name.Scale, [dim], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "scale", [dim]),
                CheckpointFormat.Torch => new SourceRef(torch + ".weight", [dim]),
                _ => new SourceRef(name.Scale, [dim]),
            });
            Add(name.Bias, [dim], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "bias", [dim]),
                CheckpointFormat.Torch => new SourceRef(torch + ".bias", [dim]),
                _ => new SourceRef(name.Bias, [dim]),
            });
        }

        /// <summary>
        /// q, k or v (index 0, 1, 2) of Flax's MultiHeadDotProductAttention, kernel (in, heads, head_dim);
        /// in PyTorch's nn.MultiheadAttention they are row blocks of in_proj_weight [Wq; Wk; Wv] (out, in).
        /// </summary>
        public void AttentionProjection(LinearNames name, FlaxAt flax, string torchAttention, int index, int hidden, int heads)
        {
            int headDim = hidden / heads;
            Add(name.Weight, [hidden, hidden], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "kernel", [hidden, heads, headDim]),
                CheckpointFormat.Torch => new SourceRef(torchAttention + ".in_proj_weight", [3 * hidden, hidden], (long)index * hidden * hidden, Transpose: true),
                _ => new SourceRef(name.Weight, [hidden, hidden]),
            }, PerOutputChannel);
            Add(name.Bias, [hidden], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "bias", [heads, headDim]),
                CheckpointFormat.Torch => new SourceRef(torchAttention + ".in_proj_bias", [3 * hidden], (long)index * hidden),
                _ => new SourceRef(name.Bias, [hidden]),
            });
        }

        /// <summary>The output projection: Flax kernel (heads, head_dim, out); PyTorch out_proj (out, in).</summary>
        public void AttentionOutput(LinearNames name, FlaxAt flax, string torch, int hidden, int heads)
        {
            Add(name.Weight, [hidden, hidden], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "kernel", [heads, hidden / heads, hidden]),
                CheckpointFormat.Torch => new SourceRef(torch + ".weight", [hidden, hidden], Transpose: true),
                _ => new SourceRef(name.Weight, [hidden, hidden]),
            }, PerOutputChannel);
            Add(name.Bias, [hidden], format switch
            {
                CheckpointFormat.Flax => FlaxTensor(flax, "bias", [hidden]),
                CheckpointFormat.Torch => new SourceRef(torch + ".bias", [hidden]),
                _ => new SourceRef(name.Bias, [hidden]),
            });
        }

        /// <summary>Patch embedding (when <paramref name="inputSize"/> is given), frequency embedding, pre-LN blocks, final LayerNorm.</summary>
        public void AudioEncoder(AudioEncoderNames name, string flaxRoot, string torchRoot, AudioEncoderConfig c, int? inputSize)
        {
            int h = c.HiddenSize;
            var root = new FlaxAt(flaxRoot);
            if (inputSize is int patch) Dense(name.PatchEmbed, root.Sub("Dense_0"), $"{torchRoot}.input_proj", patch, h);
            Param(name.FreqEmbed, root.Sub("freq_positional_embedding"), $"{torchRoot}.freq_positional_embedding", [c.NumFreqPatches, h]);
            for (int i = 0; i < c.NumLayers; i++)
            {
                var layer = root.Sub($"AudioEncoderLayer_{i}");
                var attention = layer.Sub("MultiHeadDotProductAttention_0");
                var l = name.Block(i);
                string tl = $"{torchRoot}.layers.{i}";
                LayerNorm(l.Norm1, layer.Sub("LayerNorm_0"), $"{tl}.norm1", h);
                AttentionProjection(l.Query, attention.Sub("query"), $"{tl}.attn", 0, h, c.NumHeads);
                AttentionProjection(l.Key, attention.Sub("key"), $"{tl}.attn", 1, h, c.NumHeads);
                AttentionProjection(l.Value, attention.Sub("value"), $"{tl}.attn", 2, h, c.NumHeads);
                AttentionOutput(l.Out, attention.Sub("out"), $"{tl}.attn.out_proj", h, c.NumHeads);
                LayerNorm(l.Norm2, layer.Sub("LayerNorm_1"), $"{tl}.norm2", h);
                Dense(l.Fc1, layer.Sub("MLP_0/Dense_0"), $"{tl}.mlp.fc1", h, c.IntermediateSize);
                Dense(l.Fc2, layer.Sub("MLP_0/Dense_1"), $"{tl}.mlp.fc2", c.IntermediateSize, h);
            }
            LayerNorm(name.Norm, root.Sub("LayerNorm_0"), $"{torchRoot}.norm", h);
        }

        /// <summary>A post-LN RoBERTa layer (HF naming); the decoder's adds cross-attention to the audio hidden states.</summary>
        public void RobertaLayer(RobertaLayerNames name, FlaxAt flax, string torch, RobertaConfig c, int? crossAttentionFrom)
        {
            int t = c.HiddenSize;
            Dense(name.Query, flax.Sub("attention/self/query"), $"{torch}.attention.self.query", t, t);
            Dense(name.Key, flax.Sub("attention/self/key"), $"{torch}.attention.self.key", t, t);
            Dense(name.Value, flax.Sub("attention/self/value"), $"{torch}.attention.self.value", t, t);
            Dense(name.Out, flax.Sub("attention/output/dense"), $"{torch}.attention.output.dense", t, t);
            LayerNorm(name.AttentionNorm, flax.Sub("attention/output/LayerNorm"), $"{torch}.attention.output.LayerNorm", t);
            if (crossAttentionFrom is int audio)
            {
                Dense(name.CrossQuery, flax.Sub("crossattention/self/query"), $"{torch}.crossattention.self.query", t, t);
                Dense(name.CrossKey, flax.Sub("crossattention/self/key"), $"{torch}.crossattention.self.key", audio, t);
                Dense(name.CrossValue, flax.Sub("crossattention/self/value"), $"{torch}.crossattention.self.value", audio, t);
                Dense(name.CrossOut, flax.Sub("crossattention/output/dense"), $"{torch}.crossattention.output.dense", t, t);
                LayerNorm(name.CrossNorm, flax.Sub("crossattention/output/LayerNorm"), $"{torch}.crossattention.output.LayerNorm", t);
            }
            Dense(name.Fc1, flax.Sub("intermediate/dense"), $"{torch}.intermediate.dense", t, c.IntermediateSize);
            Dense(name.Fc2, flax.Sub("output/dense"), $"{torch}.output.dense", c.IntermediateSize, t);
            LayerNorm(name.MlpNorm, flax.Sub("output/LayerNorm"), $"{torch}.output.LayerNorm", t);
        }
    }
}
