using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights;

namespace Cacophony.Tests.Model;

/// <summary>
/// The whole network in float64 with naive loops, written straight from docs/MODEL.md and independent of
/// the engine's kernels: the truth for full-size parity on random weights.
/// </summary>
sealed class ReferenceModel(ModelConfig config, IWeightSource weights)
{
    // Text and decoder weights are kept (greedy decoding reruns them every step); the rest is read per use.
    double[] W(string name) => name.StartsWith("text.") || name.StartsWith("decoder.")
        ? Cached("weight " + name, () => Read(name))
        : Read(name);

    double[] Read(string name) => weights.Read(name).Select(v => (double)v).ToArray();

    /// <summary>y[rows, out] = x[rows, in] W[in, out] + b, rows in parallel.</summary>
    double[] Dense(double[] x, int rows, string name)
    {
        var shape = weights.Shape(name + ".weight");
        int input = shape[0], output = shape[1];
        var w = W(name + ".weight");
        var b = W(name + ".bias");
        var y = new double[rows * output];
        Parallel.For(0, rows, r =>
        {
            var row = y.AsSpan(r * output, output);
            b.CopyTo(row);
            for (int i = 0; i < input; i++)
            {
                double a = x[r * input + i];
                var wRow = w.AsSpan(i * output, output);
                for (int o = 0; o < output; o++) row[o] += a * wRow[o];
            }
        });
        return y;
    }

    double[] LayerNorm(double[] x, int rows, string name, double eps)
    {
        var scale = W(name + ".scale");
        var bias = W(name + ".bias");
        int width = scale.Length;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * width, width);
            double mean = 0, variance = 0;
            foreach (var v in row) mean += v;
            mean /= width;
            foreach (var v in row) variance += (v - mean) * (v - mean);
            variance /= width;
            for (int i = 0; i < width; i++) y[r * width + i] = (row[i] - mean) / Math.Sqrt(variance + eps) * scale[i] + bias[i];
        }
        return y;
    }

    /// <param name="keyMask">Null, or 0 for each key that is padding: its score is float32.MinValue, as the original
    /// masks it (a query whose keys are all padding then attends uniformly).</param>
    static double[] Attention(double[] q, int queries, double[] k, double[] v, int keys, int width, int heads, bool causal, int[]? keyMask = null)
    {
        int d = width / heads;
        var output = new double[queries * width];
        Parallel.For(0, heads * queries, item =>
        {
            int h = item / queries, i = item % queries;
            int allowed = causal ? i + 1 : keys;
            var scores = new double[allowed];
            for (int j = 0; j < allowed; j++)
            {
                double dot = 0;
                for (int x = 0; x < d; x++) dot += q[i * width + h * d + x] * k[j * width + h * d + x];
                scores[j] = keyMask is not null && keyMask[j] == 0 ? float.MinValue : dot / Math.Sqrt(d);
            }
            double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
            for (int j = 0; j < allowed; j++)
            {
                double p = Math.Exp(scores[j] - max) / sum;
                for (int x = 0; x < d; x++) output[i * width + h * d + x] += p * v[j * width + h * d + x];
            }
        });
        return output;
    }

    static double[] Normalize(double[] e, double eps)
    {
        double norm = Math.Sqrt(e.Sum(v => (v + eps) * (v + eps)));
        return e.Select(v => v / norm).ToArray();
    }

    public double[] EmbedAudio(AudioPatches patches) => EmbedAudio(patches, padded: false);

    /// <summary>
    /// The embedding as the original computes it on the padded sequence: every one of the Count positions runs
    /// through the encoder and the pool with the mask (padding keys masked), not only the real patches.
    /// </summary>
    public double[] EmbedAudioPadded(AudioPatches patches) => EmbedAudio(patches, padded: true);

    double[] EmbedAudio(AudioPatches patches, bool padded)
    {
        int s = padded ? patches.Count : patches.RealCount, h = config.Audio.HiddenSize;
        int[]? mask = padded ? patches.Mask : null;
        var hidden = AudioHidden(patches, s, mask);
        var kv = Dense(hidden, s, "audio_pool.kv");
        var keys = new double[s * h];
        var values = new double[s * h];
        for (int i = 0; i < s; i++)
            for (int j = 0; j < h; j++)
            {
                keys[i * h + j] = kv[i * 2 * h + j];
                values[i * h + j] = kv[i * 2 * h + h + j];
            }
        var pooled = Attention(W("audio_pool.query"), 1, keys, values, s, h, config.NumAttentionPoolHeads, causal: false, mask);
        return Normalize(Dense(pooled, 1, "audio_pool.out"), config.NormEpsEmbedding);
    }

    /// <summary>The audio encoder's hidden states [real patches, width].</summary>
    public double[] AudioHidden(AudioPatches patches) => AudioHidden(patches, patches.RealCount, null);

    /// <summary>The hidden states of the first `s` positions, padding keys masked out of attention when a mask is given.</summary>
    double[] AudioHidden(AudioPatches patches, int s, int[]? mask)
    {
        var c = config.Audio;
        int h = c.HiddenSize;
        var x = Dense(patches.Patches.Take(s * c.PatchSize).Select(v => (double)v).ToArray(), s, "audio.patch_embed");
        var freq = W("audio.freq_embed");
        for (int i = 0; i < s; i++)
            for (int j = 0; j < h / 2; j++)
            {
                double angle = patches.TimeIndices[i] * Math.Exp(-2.0 * j * Math.Log(10000) / h);
                x[i * h + j] += Math.Sin(angle) + freq[patches.FrequencyIndices[i] * h + j];
                x[i * h + h / 2 + j] += Math.Cos(angle) + freq[patches.FrequencyIndices[i] * h + h / 2 + j];
            }
        for (int l = 0; l < c.NumLayers; l++)
        {
            string p = $"audio.layers.{l}";
            var n = LayerNorm(x, s, p + ".norm1", c.LayerNormEps);
            var a = Attention(Dense(n, s, p + ".attn.q"), s, Dense(n, s, p + ".attn.k"), Dense(n, s, p + ".attn.v"), s, h, c.NumHeads, causal: false, mask);
            Add(x, Dense(a, s, p + ".attn.out"));
            var u = Dense(LayerNorm(x, s, p + ".norm2", c.LayerNormEps), s, p + ".mlp.fc1");
            for (int i = 0; i < u.Length; i++) u[i] = u[i] / (1 + Math.Exp(-u[i]));
            Add(x, Dense(u, s, p + ".mlp.fc2"));
        }
        return LayerNorm(x, s, "audio.norm", c.LayerNormEps);
    }

    public double[] EmbedText(int[] ids)
    {
        int l = ids.Length, t = config.Text!.HiddenSize;
        var x = TextHidden(ids);
        var pooled = Attention(W("text_pool.query"), 1, Dense(x, l, "text_pool.key"), Dense(x, l, "text_pool.value"), l, t, 1, causal: false);
        return Normalize(Dense(pooled, 1, "text_proj"), config.NormEpsEmbedding);
    }

    /// <summary>
    /// The caption decoder's logits for the token after `ids` (which start with &lt;s&gt;), recomputed from
    /// scratch: causal text encoder, then decoder layers (causal self-attention, cross-attention to all
    /// `patches` rows of audioHidden, GELU MLP, each post-LN), then the vocabulary projection of the last row.
    /// </summary>
    public double[] NextTokenLogits(double[] audioHidden, int patches, int[] ids)
    {
        var c = config.Decoder!;
        int l = ids.Length, t = c.HiddenSize;
        var x = TextHidden(ids);
        for (int layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            string p = $"decoder.layers.{layer}";
            var a = Attention(Dense(x, l, p + ".attn.q"), l, Dense(x, l, p + ".attn.k"), Dense(x, l, p + ".attn.v"), l, t, c.NumAttentionHeads, causal: true);
            var attended = Dense(a, l, p + ".attn.out");
            Add(attended, x);
            x = LayerNorm(attended, l, p + ".attn.norm", c.LayerNormEps);
            var crossKeys = Cached(p + ".cross_attn.k", () => Dense(audioHidden, patches, p + ".cross_attn.k"));
            var crossValues = Cached(p + ".cross_attn.v", () => Dense(audioHidden, patches, p + ".cross_attn.v"));
            var cross = Dense(Attention(Dense(x, l, p + ".cross_attn.q"), l, crossKeys, crossValues, patches, t, c.NumAttentionHeads, causal: false), l, p + ".cross_attn.out");
            Add(cross, x);
            x = LayerNorm(cross, l, p + ".cross_attn.norm", c.LayerNormEps);
            x = LayerNorm(Mlp(x, l, p), l, p + ".mlp.norm", c.LayerNormEps);
        }
        return Dense(x.AsSpan((l - 1) * t, t).ToArray(), 1, "decoder.vocab");
    }

    // Cross keys/values of one clip (the tests use one clip per reference instance) and weights read as float64.
    readonly Dictionary<string, double[]> _cache = [];

    double[] Cached(string key, Func<double[]> make)
    {
        if (!_cache.TryGetValue(key, out var value)) _cache[key] = value = make();
        return value;
    }

    /// <summary>x + W2 GELU(W1 x) (exact erf GELU), before the LayerNorm.</summary>
    double[] Mlp(double[] x, int l, string p)
    {
        var u = Dense(x, l, p + ".mlp.fc1");
        for (int i = 0; i < u.Length; i++) u[i] = 0.5 * u[i] * (1 + Cacophony.Tests.Kernels.NaiveReference.Erf(u[i] / Math.Sqrt(2)));
        var mlp = Dense(u, l, p + ".mlp.fc2");
        Add(mlp, x);
        return mlp;
    }

    /// <summary>The causal text encoder's hidden states [ids, width].</summary>
    public double[] TextHidden(int[] ids)
    {
        var c = config.Text!;
        int l = ids.Length, t = c.HiddenSize;
        var word = weights.Read("text.embed.word");
        var position = W("text.embed.position");
        var type = W("text.embed.token_type");
        var x = new double[l * t];
        for (int i = 0; i < l; i++)
            for (int j = 0; j < t; j++) x[i * t + j] = word[ids[i] * t + j] + position[i * t + j] + type[j];
        x = LayerNorm(x, l, "text.embed.norm", c.LayerNormEps);
        for (int layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            string p = $"text.layers.{layer}";
            var a = Attention(Dense(x, l, p + ".attn.q"), l, Dense(x, l, p + ".attn.k"), Dense(x, l, p + ".attn.v"), l, t, c.NumAttentionHeads, causal: true);
            var attended = Dense(a, l, p + ".attn.out");
            Add(attended, x);
            x = LayerNorm(attended, l, p + ".attn.norm", c.LayerNormEps);
            x = LayerNorm(Mlp(x, l, p), l, p + ".mlp.norm", c.LayerNormEps);
        }
        return x;
    }

    static void Add(double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) x[i] += y[i];
    }
}
