using Cacophony.Audio;
using Cacophony.Kernels;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Model.Text;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

namespace Cacophony.Model;

/// <summary>What one audio clip gives: hidden states of its real patches, the pooled and the normalized embedding.</summary>
/// <param name="PaddingOnly">The clip had no patch (under 160 ms): it was encoded as the original encodes its
/// all-padding sequence, and <see cref="Hidden"/> holds that sequence's one distinct row (<see cref="AudioPatches.PaddingOnly"/>).</param>
public sealed record AudioEmbedding(float[] Hidden, int Patches, float[] Unnormalized, float[] Normalized, bool PaddingOnly = false);

/// <summary>What one text gives: hidden states of its tokens, the pooled vector, the projected and the normalized embedding.</summary>
public sealed record TextEmbedding(int[] TokenIds, float[] Hidden, float[] Pooled, float[] Unnormalized, float[] Normalized);

/// <summary>A written caption: its text (special tokens skipped, trimmed) and the tokens behind it.</summary>
public sealed record Caption(string Text, CaptionTokens Tokens);

/// <summary>
/// The Cacophony model: load a converted model directory, embed audio and text, compare them, write captions.
/// The network runs on one backend (<see cref="ModelOptions.Device"/>): the CPU engine or an accelerator, the
/// audio front end included. Each tower's weights are prepared once, on its first use (a text-only user never
/// reads the audio encoder's weights, and the other way round; <see cref="WarmUp"/> prepares everything now).
/// A loaded model holds no per-call state, so concurrent callers are safe on the CPU engine.
/// </summary>
public sealed class CacophonyModel : IDisposable
{
    sealed record AudioTower(AudioEncoder Encoder, AttentionPool? Pool, Linear? Projection, PatchFrontEnd FrontEnd);
    sealed record TextTower(TextEncoder Encoder, AttentionPool Pool, Linear Projection);

    readonly IComputeBackend _backend;
    readonly IDisposable? _owner;
    readonly Lazy<AudioTower> _audio;
    readonly Lazy<TextTower?> _text;
    readonly Lazy<CaptionDecoder> _decoder;
    readonly Lazy<TextEncoder?> _textEncoder;
    readonly Lazy<RobertaTokenizer?> _tokenizer;

    public ModelConfig Config { get; }

    /// <summary>The CPU front end (log-mel in float64 and patches), for features, dumps and windows of prepared patches.</summary>
    public AudioFrontEnd FrontEnd { get; }

    /// <summary>The RoBERTa tokenizer, when the model directory has vocab.json and merges.txt.</summary>
    public RobertaTokenizer? Tokenizer => _tokenizer.Value;

    /// <summary>exp(logit_scale), the temperature of the contrastive logits.</summary>
    public float LogitScale { get; }

    /// <summary>True for an AudioMAE directory: audio encoder only, clip embedding = mean of the hidden states.</summary>
    public bool IsAudioMae { get; }

    /// <summary>Where the network runs: "CPU engine (...)" or the accelerator.</summary>
    public string Device => _backend.Description;

    /// <summary>The model directory it was loaded from; null for a model made with <see cref="FromWeights"/>.</summary>
    public string? DirectoryPath { get; private init; }

    /// <summary>The precision its weight matrices run in (what <see cref="ModelOptions.Precision"/> asked, or what the directory stores).</summary>
    public WeightPrecision Precision { get; private init; }

    CacophonyModel(ModelConfig config, IWeightSource source, Lazy<RobertaTokenizer?> tokenizer, IDisposable? owner, IComputeBackend backend)
    {
        Config = config;
        _tokenizer = tokenizer;
        _owner = owner;
        _backend = backend;
        FrontEnd = new AudioFrontEnd(config.Preprocessing);
        IsAudioMae = config.Kind == ModelConfig.AudioMaeKind;
        // Float weights run as int8 are seen as `cacophony quantize` would store them, so that the model computes
        // what its int8 directory computes (the layers that stay float32 but are stored int8 included).
        if (backend is Kernels.Cpu.CpuBackend { Int8Weights: true }) source = QuantizedView.Over(source, config);
        // Each tower has its own loader (one staging buffer each) and is prepared when first used.
        // AudioMAE has no pool: its clip embedding is the mean of the hidden states (as HEAR used it).
        _audio = new(() =>
        {
            var weights = new WeightLoader(source, backend);
            return new AudioTower(new AudioEncoder(weights, config.Audio, Names.AudioEncoder),
                IsAudioMae ? null : AttentionPool.Audio(weights, config.NumAttentionPoolHeads),
                IsAudioMae ? null : weights.Linear(Names.AudioPool.Out),
                new PatchFrontEnd(backend, config.Preprocessing));
        });
        // The text encoder is shared by the text tower and the caption decoder (which drives it, KV-cached).
        _textEncoder = new(() => config.Text is { } text ? new TextEncoder(new WeightLoader(source, backend), text) : null);
        _text = new(() =>
        {
            if (_textEncoder.Value is not { } encoder) return null;
            var weights = new WeightLoader(source, backend);
            return new TextTower(encoder, AttentionPool.Text(weights), weights.Linear(Names.Text.Projection));
        });
        _decoder = new(() =>
        {
            if (config.Decoder is not { } decoder || _textEncoder.Value is not { } text) throw new InvalidOperationException("this model has no caption decoder");
            return new CaptionDecoder(new WeightLoader(source, backend), decoder, text);
        });
        LogitScale = IsAudioMae ? float.NaN : MathF.Exp(source.Read(Names.LogitScale)[0]);
    }

    /// <summary>
    /// Loads a model directory written by `cacophony convert`, on the device of <paramref name="options"/> (the
    /// CPU engine by default; the choice is in <see cref="Device"/>).
    /// </summary>
    public static CacophonyModel Load(string directory, ModelOptions? options = null)
    {
        IComputeBackend? backend = null;
        ModelDirectory? opened = null;
        try
        {
            opened = ModelDirectory.Open(directory);
            if (opened.Config.Kind is not (ModelConfig.CacophonyKind or ModelConfig.AudioMaeKind))
                throw new CheckpointException(directory, $"is a '{opened.Config.Kind}' model directory, neither Cacophony nor AudioMAE");
            backend = (options ?? new ModelOptions()).OpenBackend(opened.Config);
            // The BPE tables (~150 ms to build) load on another thread while the weights are prepared.
            var files = opened;
            var tokenizer = files.HasTokenizer ? Task.Run(() => new RobertaTokenizer(files.VocabularyFile, files.MergesFile)) : null;
            return new CacophonyModel(opened.Config, opened, new Lazy<RobertaTokenizer?>(() => tokenizer?.GetAwaiter().GetResult()), opened, backend)
            {
                DirectoryPath = Path.GetFullPath(directory),
                Precision = (options ?? new ModelOptions()).PrecisionFor(opened.Config),
            };
        }
        catch
        {
            opened?.Dispose();
            backend?.Dispose();
            throw;
        }
    }

    /// <summary>A model over canonical tensors from anywhere (e.g. <see cref="Layers.SyntheticWeights"/> for benchmarks).</summary>
    public static CacophonyModel FromWeights(ModelConfig config, IWeightSource weights, ModelOptions? options = null, RobertaTokenizer? tokenizer = null)
    {
        var backend = (options ?? new ModelOptions()).OpenBackend(config);
        try
        {
            return new CacophonyModel(config, weights, new Lazy<RobertaTokenizer?>(tokenizer), owner: null, backend)
            {
                Precision = (options ?? new ModelOptions()).PrecisionFor(config),
            };
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    /// <summary>Prepares every tower now (audio, text, and the caption decoder when asked), e.g. before serving requests.</summary>
    public void WarmUp(bool decoder = false)
    {
        _ = _audio.Value;
        _ = _text.Value;
        if (decoder && Config.Decoder is not null) _ = _decoder.Value;
    }

    /// <summary>
    /// Starts preparing the text tower on a pool thread, so that it overlaps the tokenizer's construction (both
    /// are needed before the first text embedding); the next text call waits for whichever is not done.
    /// </summary>
    public Task PrepareText() => _text.IsValueCreated ? Task.CompletedTask : Task.Run(() => _text.Value);

    /// <summary>The caption decoder, loaded and prepared on first use.</summary>
    public CaptionDecoder Decoder => _decoder.Value;

    // Audio.

    /// <summary>The normalized embedding of an audio file (any format <see cref="AudioDecoder"/> reads), 10 s zero-shot setting by default.</summary>
    public float[] EmbedAudio(string path, SequencePolicy? policy = null) => EmbedAudio([path], policy)[0];

    /// <summary>The normalized embedding of mono samples in [-1, 1) at any rate.</summary>
    public float[] EmbedAudio(ReadOnlySpan<float> samples, int sampleRate, SequencePolicy? policy = null) =>
        EncodeAudio([new DecodedAudio(samples.ToArray(), sampleRate, 1, "samples")], policy ?? SequencePolicy.ZeroShot)[0].Normalized;

    /// <summary>Several files in one batched pass.</summary>
    public float[][] EmbedAudio(IEnumerable<string> paths, SequencePolicy? policy = null) =>
        EncodeAudio(paths.Select(AudioDecoder.Read).ToList(), policy ?? SequencePolicy.ZeroShot).Select(e => e.Normalized).ToArray();

    /// <summary>
    /// Decoded clips to embeddings, in one batched pass, the front end on the model's backend: only the
    /// resampling to 16 kHz runs on the host.
    /// </summary>
    public IReadOnlyList<AudioEmbedding> EncodeAudio(IReadOnlyList<DecodedAudio> clips, SequencePolicy policy)
    {
        int rate = Config.Preprocessing.SampleRate;
        return EncodeWaveforms(clips.Select(c => Resampler.Resample(c.Samples, c.SampleRate, rate)).ToList(), policy);
    }

    /// <summary>
    /// Waveforms already at the model's rate (<see cref="PreprocessingConfig.SampleRate"/>, 16 kHz), e.g. windows cut
    /// from one resampled recording, in one batched pass; <see cref="EncodeAudio(IReadOnlyList{DecodedAudio}, SequencePolicy)"/>
    /// is this after resampling.
    /// </summary>
    public IReadOnlyList<AudioEmbedding> EncodeWaveforms(IReadOnlyList<double[]> waveforms, SequencePolicy policy)
    {
        var tower = _audio.Value;
        var (patches, batch, paddingOnly) = tower.FrontEnd.Patches(waveforms, policy);
        using (patches)
        {
            var results = Encode(tower, patches, batch);
            for (int i = 0; i < results.Count; i++)
                if (paddingOnly[i]) results[i] = results[i] with { PaddingOnly = true };
            return results;
        }
    }

    /// <summary>
    /// A file through the model. A WAV, MP3 or Ogg Vorbis file longer than 30 minutes is streamed through the CPU
    /// front end in bounded memory (<see cref="AudioFrontEnd.ProcessLong(string, SequencePolicy)"/>; `streamed`
    /// says so); anything else is decoded whole and goes through the backend's front end.
    /// </summary>
    public AudioEmbedding EncodeAudioFile(string path, SequencePolicy policy, out AudioFeatures? streamed)
    {
        streamed = FrontEnd.ProcessIfLong(path, policy);
        return streamed is null ? EncodeAudio([AudioDecoder.Read(path)], policy)[0] : EncodeAudio(streamed.Patches);
    }

    /// <summary>Encodes prepared patches (the CPU front end's output), keeping the hidden states.</summary>
    public AudioEmbedding EncodeAudio(AudioPatches patches) => EncodeAudio([patches])[0];

    /// <summary>
    /// Encodes several clips in one pass: their patches share every product; results equal one-by-one encoding.
    /// A clip with no patch (under 160 ms) gets what the original computes for its all-padding sequence
    /// (<see cref="AudioPatches.PaddingOnly"/>: one position in its embedding's hidden states).
    /// </summary>
    public IReadOnlyList<AudioEmbedding> EncodeAudio(IReadOnlyList<AudioPatches> clips)
    {
        var batch = clips.Select(c => c.ForEncoder(Config.Audio.PatchSize)).ToList();
        var tower = _audio.Value;
        using var patches = tower.Encoder.Upload(batch);
        var results = Encode(tower, patches, batch);
        for (int i = 0; i < results.Count; i++)
            if (clips[i].RealCount == 0) results[i] = results[i] with { PaddingOnly = true };
        return results;
    }

    /// <summary>The encoder, the pool and its projection over stacked patches on the backend; each clip's rows split out on the host.</summary>
    List<AudioEmbedding> Encode(AudioTower tower, TensorView patches, IReadOnlyList<AudioPatches> batch)
    {
        var offsets = AudioEncoder.Offsets(batch);
        int width = tower.Encoder.Width, clips = batch.Count;
        using var hidden = tower.Encoder.Forward(patches, batch);
        var pooled = tower.Pool is { } pool ? Pooled(pool, tower.Projection!, hidden, offsets) : null;
        var rows = Download(hidden, (long)offsets[^1] * width);
        var results = new List<AudioEmbedding>(clips);
        for (int b = 0; b < clips; b++)
        {
            var clipRows = RowsOf(rows, offsets[b], batch[b].RealCount, width);
            var embedding = pooled?[b] ?? MeanRows(clipRows, batch[b].RealCount, width);
            results.Add(new AudioEmbedding(clipRows, batch[b].RealCount, embedding, Embedding.Normalize(embedding, Config.NormEpsEmbedding)));
        }
        return results;
    }

    // Text.

    /// <summary>The normalized embedding of a text (truncated to maxLength tokens with &lt;s&gt; and &lt;/s&gt;).</summary>
    public float[] EmbedText(string text, int maxLength = 100) => EncodeText(text, maxLength).Normalized;

    /// <summary>Several texts in one batched pass.</summary>
    public float[][] EmbedText(IEnumerable<string> texts, int maxLength = 100)
    {
        PrepareText();
        var tokenizer = RequireTokenizer();
        return EncodeTokens(texts.Select(t => tokenizer.Encode(t, maxLength).Unpadded).ToList()).Select(e => e.Normalized).ToArray();
    }

    /// <summary>Tokenizes and encodes a text, keeping every intermediate.</summary>
    public TextEmbedding EncodeText(string text, int maxLength = 100)
    {
        PrepareText();
        return EncodeTokens(RequireTokenizer().Encode(text, maxLength).Unpadded);
    }

    /// <summary>Encodes token ids (with &lt;s&gt; and &lt;/s&gt;, without padding), keeping every intermediate.</summary>
    public TextEmbedding EncodeTokens(int[] ids) => EncodeTokens([ids])[0];

    /// <summary>Encodes several texts in one pass: their tokens share every product; results equal one-by-one encoding.</summary>
    public IReadOnlyList<TextEmbedding> EncodeTokens(IReadOnlyList<int[]> batch)
    {
        var tower = _text.Value ?? throw new InvalidOperationException("this model has no text encoder");
        using var hidden = tower.Encoder.Forward(batch, out var offsets);
        int width = tower.Encoder.Width, texts = batch.Count;
        using var pooled = _backend.Allocate((long)texts * tower.Pool.Outputs);
        using var projected = _backend.Allocate((long)texts * tower.Projection.Outputs);
        tower.Pool.Forward(hidden, offsets, pooled);
        tower.Projection.Apply(pooled, texts, projected);
        var rows = Download(hidden, (long)offsets[^1] * width);
        var pooledRows = Download(pooled, pooled.Length);
        var projectedRows = Download(projected, projected.Length);
        var results = new List<TextEmbedding>(texts);
        for (int b = 0; b < texts; b++)
        {
            var unnormalized = projectedRows.AsSpan(b * tower.Projection.Outputs, tower.Projection.Outputs).ToArray();
            results.Add(new TextEmbedding(batch[b], RowsOf(rows, offsets[b], batch[b].Length, width), pooledRows.AsSpan(b * tower.Pool.Outputs, tower.Pool.Outputs).ToArray(),
                unnormalized, Embedding.Normalize(unnormalized, Config.NormEpsEmbedding)));
        }
        return results;
    }

    // Similarity, zero-shot, captions.

    /// <summary>Cosine similarity of two normalized embeddings (the retrieval score).</summary>
    public static double Similarity(ReadOnlySpan<float> audio, ReadOnlySpan<float> text) => Embedding.Cosine(audio, text);

    /// <summary>exp(logit_scale) * a . t for normalized embeddings.</summary>
    public double Logit(ReadOnlySpan<float> audio, ReadOnlySpan<float> text) => LogitScale * Embedding.Cosine(audio, text);

    /// <summary>
    /// Zero-shot classification: each label becomes `prompt + label`, and the labels are ranked by
    /// exp(logit_scale) a . t, with softmax probabilities. The original uses "This is a sound of "
    /// ("This is a sound on " for TUT acoustic scenes) and 77 tokens.
    /// </summary>
    public IReadOnlyList<LabelScore> ZeroShot(ReadOnlySpan<float> audio, IReadOnlyList<string> labels, string? prompt = null)
    {
        prompt ??= Config.Preprocessing.ZsPrefix;
        return ZeroShot(audio, labels, EmbedText(labels.Select(label => prompt + label), Config.Preprocessing.MaxTextLenZeroShotClasses));
    }

    /// <summary>Zero-shot classification against class prompts embedded once (<see cref="EmbedText(IEnumerable{string}, int)"/>, 77 tokens).</summary>
    public IReadOnlyList<LabelScore> ZeroShot(ReadOnlySpan<float> audio, IReadOnlyList<string> labels, IReadOnlyList<float[]> texts)
    {
        if (texts.Count != labels.Count) throw new ArgumentException($"{labels.Count} labels but {texts.Count} label embeddings");
        var logits = new double[labels.Count];
        for (int i = 0; i < labels.Count; i++) logits[i] = Logit(audio, texts[i]);
        double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
        return labels.Select((label, i) => new LabelScore(label, logits[i], Math.Exp(logits[i] - max) / sum))
            .OrderByDescending(s => s.Logit).ToList();
    }

    /// <summary>The caption of an audio file, greedy by default (30 s setting).</summary>
    public Caption Caption(string path, DecodingOptions? options = null) =>
        Caption(EncodeAudio([AudioDecoder.Read(path)], SequencePolicy.RetrievalAndCaptioning), options)[0];

    /// <summary>Captions of prepared clips (30 s setting: <see cref="SequencePolicy.RetrievalAndCaptioning"/>), decoded together.</summary>
    /// <param name="streams">Sampling stream of each clip (default: its index), so a clip's sample does not depend on its batch.</param>
    public IReadOnlyList<Caption> Caption(IReadOnlyList<AudioPatches> clips, DecodingOptions? options = null, IReadOnlyList<ulong>? streams = null) =>
        Caption(EncodeAudio(clips), options, streams);

    /// <summary>Captions of encoded clips (their hidden states are what the decoder attends to), decoded together.</summary>
    public IReadOnlyList<Caption> Caption(IReadOnlyList<AudioEmbedding> encoded, DecodingOptions? options = null, IReadOnlyList<ulong>? streams = null)
    {
        var tokenizer = RequireTokenizer();
        var decoder = Decoder;
        var memories = encoded.Select(e => decoder.Remember(e.Hidden, e.Patches)).ToList();
        try
        {
            return CaptionSearch.Run(decoder, memories, options ?? new DecodingOptions(), streams)
                .Select(t => new Caption(tokenizer.Decode(t.Tokens).Trim(), t)).ToList();
        }
        finally
        {
            foreach (var memory in memories) memory.Dispose();
        }
    }

    RobertaTokenizer RequireTokenizer() =>
        Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");

    /// <summary>Each sequence's pooled vector, projected: [sequences][outputs].</summary>
    float[][] Pooled(AttentionPool pool, Linear projection, TensorView hidden, int[] offsets)
    {
        int sequences = offsets.Length - 1;
        using var pooled = _backend.Allocate((long)sequences * pool.Outputs);
        using var projected = _backend.Allocate((long)sequences * projection.Outputs);
        pool.Forward(hidden, offsets, pooled);
        projection.Apply(pooled, sequences, projected);
        var values = Download(projected, projected.Length);
        return Enumerable.Range(0, sequences).Select(b => values.AsSpan(b * projection.Outputs, projection.Outputs).ToArray()).ToArray();
    }

    float[] Download(TensorView tensor, long length)
    {
        var values = new float[length];
        _backend.Download(tensor.Slice(0, length), values);
        return values;
    }

    /// <summary>One sequence's rows of a batch's hidden states: the array itself when the sequence is all of it (one clip or text, the usual call), else a copy.</summary>
    static float[] RowsOf(float[] hidden, int firstRow, int rows, int width) =>
        firstRow == 0 && rows * width == hidden.Length ? hidden : hidden.AsSpan(firstRow * width, rows * width).ToArray();

    static float[] MeanRows(float[] rows, int count, int width)
    {
        var sums = new double[width];
        for (int r = 0; r < count; r++)
            for (int j = 0; j < width; j++) sums[j] += rows[r * width + j];
        return sums.Select(v => (float)(v / Math.Max(1, count))).ToArray();
    }

    public void Dispose()
    {
        _backend.Dispose();
        _owner?.Dispose();
    }
}
