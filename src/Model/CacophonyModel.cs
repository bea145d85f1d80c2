using Cacophony.Model.Audio;
using Cacophony.Model.Layers;
using Cacophony.Weights;

namespace Cacophony.Model;

/// <summary>What one audio clip gives: hidden states of its real patches, the pooled and the normalized embedding.</summary>
public sealed record AudioEmbedding(float[] Hidden, int Patches, float[] Unnormalized, float[] Normalized);

/// <summary>What one text gives: hidden states of its tokens, the pooled vector, the projected and the normalized embedding.</summary>
public sealed record TextEmbedding(int[] TokenIds, float[] Hidden, float[] Pooled, float[] Unnormalized, float[] Normalized);

/// <summary>
/// The Cacophony model on the CPU: load a converted model directory, embed audio and text, compare them.
/// Weights are packed once at load; a loaded model holds no per-call state, so concurrent callers are safe.
/// </summary>
public sealed class CacophonyModel : IDisposable
{
    readonly ModelDirectory _directory;
    readonly AudioEncoder _audio;
    readonly AttentionPool _audioPool;
    readonly TextEncoder? _text;
    readonly AttentionPool? _textPool;
    readonly Layers.Linear? _textProjection;

    public ModelConfig Config => _directory.Config;
    public AudioFrontEnd FrontEnd { get; }

    /// <summary>exp(logit_scale), the temperature of the contrastive logits.</summary>
    public float LogitScale { get; }

    CacophonyModel(ModelDirectory directory)
    {
        _directory = directory;
        var config = directory.Config;
        if (config.Kind != ModelConfig.CacophonyKind) throw new CheckpointException(directory.Path, $"is an {config.Kind} model directory; embeddings need a Cacophony checkpoint");
        var weights = new WeightLoader(directory);
        FrontEnd = new AudioFrontEnd(config.Preprocessing);
        _audio = new AudioEncoder(weights, config.Audio);
        _audioPool = AttentionPool.Audio(weights, config.NumAttentionPoolHeads);
        if (config.Text is { } text)
        {
            _text = new TextEncoder(weights, text);
            _textPool = AttentionPool.Text(weights);
            _textProjection = weights.Linear("text_proj");
        }
        LogitScale = MathF.Exp(weights.Tensor("logit_scale")[0]);
    }

    public static CacophonyModel Load(string directory)
    {
        var opened = ModelDirectory.Open(directory);
        try
        {
            return new CacophonyModel(opened);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>Embeds prepared patches (the front end's output).</summary>
    public AudioEmbedding EmbedAudio(AudioPatches patches)
    {
        var hidden = _audio.Forward(patches);
        var pooled = _audioPool.Forward(hidden, patches.RealCount);
        return new AudioEmbedding(hidden, patches.RealCount, pooled, Embedding.Normalize(pooled, Config.NormEpsEmbedding));
    }

    /// <summary>Embeds token ids (with &lt;s&gt; and &lt;/s&gt;, without padding).</summary>
    public TextEmbedding EmbedTokens(int[] ids)
    {
        if (_text is null) throw new InvalidOperationException("this model has no text encoder");
        var hidden = _text.Forward(ids);
        var pooled = _textPool!.Forward(hidden, ids.Length);
        var projected = _textProjection!.Apply(pooled, 1);
        return new TextEmbedding(ids, hidden, pooled, projected, Embedding.Normalize(projected, Config.NormEpsEmbedding));
    }

    /// <summary>exp(logit_scale) * a . t for normalized embeddings.</summary>
    public double Logit(ReadOnlySpan<float> audio, ReadOnlySpan<float> text) => LogitScale * Embedding.Cosine(audio, text);

    public void Dispose() => _directory.Dispose();
}
