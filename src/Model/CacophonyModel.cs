using Cacophony.Kernels.Gpu;
using Cacophony.Model.Audio;
using Cacophony.Model.Gpu;
using Cacophony.Model.Captioning;
using Cacophony.Model.Layers;
using Cacophony.Model.Text;
using Cacophony.Weights;

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
/// The Cacophony model on the CPU: load a converted model directory, embed audio and text, compare them.
/// Each tower's weights are packed once, on its first use (a text-only user never reads the audio encoder's
/// weights, and the other way round; <see cref="WarmUp"/> packs everything now). A loaded model holds no
/// per-call state, so concurrent callers are safe.
/// </summary>
public sealed class CacophonyModel : IDisposable
{
    readonly IDisposable? _owner;
    // A tower's encoder runs on the CPU engine or on the GPU device; its pool and projection on the CPU.
    // On the GPU the pools run on the device too and Encode returns their outputs; on the CPU, Pool does it.
    sealed record AudioTower(Func<IReadOnlyList<AudioPatches>, (float[] Hidden, float[][]? Pooled)> Encode, int Width, AttentionPool? Pool,
        Func<IReadOnlyList<float[]>, SequencePolicy, (float[] Hidden, float[][]? Pooled, AudioPatches[] Patches)>? EncodeWaveforms = null);
    sealed record TextTower(Func<IReadOnlyList<int[]>, (float[] Hidden, float[][]? Pooled, float[][]? Projected)> Encode, int Width, AttentionPool? Pool, Layers.Linear? Projection);

    readonly GpuDevice? _gpu;
    readonly List<GpuWeights> _gpuWeights = [];

    readonly Lazy<AudioTower> _audio;
    readonly Lazy<TextTower?> _text;
    readonly Lazy<ICaptionDecoder> _decoder;

    public ModelConfig Config { get; }
    public AudioFrontEnd FrontEnd { get; }

    /// <summary>The RoBERTa tokenizer, when the model directory has vocab.json and merges.txt.</summary>
    public RobertaTokenizer? Tokenizer => _tokenizer.Value;

    readonly Lazy<RobertaTokenizer?> _tokenizer;

    /// <summary>exp(logit_scale), the temperature of the contrastive logits.</summary>
    public float LogitScale { get; }

    /// <summary>Where the encoders run: "CPU engine (...)" or the ILGPU accelerator.</summary>
    public string Device => _gpu is { } gpu ? $"{gpu.Description}{(_gpuHalfWeights ? ", float16 weights" : "")}" : $"CPU engine ({Kernels.Cpu.Isa.Describe(Kernels.Cpu.Isa.Active)}, {Kernels.Cpu.WorkerPool.Width} threads)";

    /// <param name="owner">Disposed with the model (the memory-mapped weights of a directory).</param>
    /// <param name="gpu">Runs the network on this accelerator (owned by the model from then on); null for the CPU engine.</param>
    /// <param name="gpuHalfWeights">On the accelerator, store weight matrices as float16 (float32 arithmetic).</param>
    public CacophonyModel(ModelConfig config, IWeightSource source, RobertaTokenizer? tokenizer = null, IDisposable? owner = null, GpuDevice? gpu = null, bool gpuHalfWeights = false)
        : this(config, source, new Lazy<RobertaTokenizer?>(tokenizer), owner, gpu, gpuHalfWeights)
    {
    }

    readonly bool _gpuHalfWeights;

    CacophonyModel(ModelConfig config, IWeightSource source, Lazy<RobertaTokenizer?> tokenizer, IDisposable? owner, GpuDevice? gpu, bool gpuHalfWeights)
    {
        _gpuHalfWeights = gpuHalfWeights;
        Config = config;
        _tokenizer = tokenizer;
        _owner = owner;
        _gpu = gpu;
        FrontEnd = new AudioFrontEnd(config.Preprocessing);
        IsAudioMae = config.Kind == ModelConfig.AudioMaeKind;
        // Each tower has its own loader (one staging buffer each) and is packed when first used.
        // AudioMAE has no pool: its clip embedding is the mean of the hidden states (as HEAR used it).
        _audio = new Lazy<AudioTower>(() =>
        {
            if (_gpu is { } device)
            {
                var weights = GpuWeightsFor(device, source);
                var encoder = new GpuAudioEncoder(device, weights, config.Audio);
                var pool = IsAudioMae ? null : GpuAttentionPool.Audio(weights, config.NumAttentionPoolHeads);
                var frontEnd = new GpuFrontEnd(device, weights, config.Preprocessing);
                return new AudioTower(batch => encoder.Forward(batch, pool), encoder.Width, null, (waveforms, policy) => encoder.Forward(frontEnd, waveforms, policy, pool));
            }
            var loader = new WeightLoader(source);
            var cpu = new AudioEncoder(loader, config.Audio);
            return new AudioTower(batch => (cpu.Forward(batch), null), cpu.Width, IsAudioMae ? null : AttentionPool.Audio(loader, config.NumAttentionPoolHeads));
        });
        _text = new Lazy<TextTower?>(() =>
        {
            if (config.Text is not { } text) return null;
            if (_gpu is { } device)
            {
                var weights = GpuWeightsFor(device, source);
                var encoder = _gpuText = new GpuTextEncoder(device, weights, text);
                var pool = GpuAttentionPool.Text(weights);
                return new TextTower(batch => encoder.Forward(batch, pool), encoder.Width, null, null);
            }
            var loader = new WeightLoader(source);
            var cpu = CpuText(source, text);
            return new TextTower(batch => (cpu.Forward(batch), null, null), cpu.Width, AttentionPool.Text(loader), loader.Linear("text_proj"));
        });
        LogitScale = IsAudioMae ? float.NaN : MathF.Exp(source.Read("logit_scale")[0]);
        // The decoder runs where the text encoder runs (it drives it, KV-cached, on the caption so far).
        _decoder = new Lazy<ICaptionDecoder>(() =>
        {
            if (config.Decoder is not { } decoder || config.Text is not { } text) throw new InvalidOperationException("this model has no caption decoder");
            if (_gpu is { } device)
            {
                _ = _text.Value;
                return new GpuCaptionDecoder(device, GpuWeightsFor(device, source), decoder, _gpuText!);
            }
            return new CaptionDecoder(new WeightLoader(source), decoder, CpuText(source, text));
        });
    }

    GpuTextEncoder? _gpuText;
    readonly Lock _cpuTextGate = new();
    TextEncoder? _cpuText;

    /// <summary>The CPU text encoder, shared by the text tower (on the CPU engine) and the caption decoder.</summary>
    TextEncoder CpuText(IWeightSource source, RobertaConfig text)
    {
        lock (_cpuTextGate) return _cpuText ??= new TextEncoder(new WeightLoader(source), text);
    }

    GpuWeights GpuWeightsFor(GpuDevice device, IWeightSource source)
    {
        var weights = new GpuWeights(device.Accelerator, source, _gpuHalfWeights);
        lock (_gpuWeights) _gpuWeights.Add(weights);
        return weights;
    }

    /// <summary>Packs every tower now (audio, text, and the caption decoder when asked), e.g. before serving requests.</summary>
    public void WarmUp(bool decoder = false)
    {
        _ = _audio.Value;
        _ = _text.Value;
        if (decoder && Config.Decoder is not null) _ = _decoder.Value;
    }

    /// <summary>
    /// Starts packing the text tower on a pool thread, so that it overlaps the tokenizer's construction (both
    /// are needed before the first text embedding); the next text call waits for whichever is not done.
    /// </summary>
    public Task PrepareText() => _text.IsValueCreated ? Task.CompletedTask : Task.Run(() => _text.Value);

    /// <summary>The caption decoder, loaded and packed on first use.</summary>
    public ICaptionDecoder Decoder => _decoder.Value;

    /// <summary>Captions of prepared clips (30 s setting: <see cref="SequencePolicy.RetrievalAndCaptioning"/>), decoded together.</summary>
    /// <param name="streams">Sampling stream of each clip (default: its index), so a clip's sample does not depend on its batch.</param>
    public IReadOnlyList<Caption> Caption(IReadOnlyList<AudioPatches> clips, DecodingOptions? options = null, IReadOnlyList<ulong>? streams = null) =>
        Caption(EncodeAudio(clips), options, streams);

    /// <summary>Captions of encoded clips (their hidden states are what the decoder attends to), decoded together.</summary>
    public IReadOnlyList<Caption> Caption(IReadOnlyList<AudioEmbedding> encoded, DecodingOptions? options = null, IReadOnlyList<ulong>? streams = null)
    {
        var tokenizer = Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
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

    /// <summary>The caption of an audio file, greedy by default (its log-mel on the device when the model runs on one).</summary>
    public Caption Caption(string path, DecodingOptions? options = null) =>
        Caption(EncodeAudio([AudioDecoder.Read(path)], SequencePolicy.RetrievalAndCaptioning), options)[0];

    /// <summary>
    /// Loads a model directory written by convert_checkpoint. `device`: the CPU engine (default), CUDA, OpenCL,
    /// or `Auto` (CUDA, then an OpenCL GPU, then the CPU engine; the choice is in <see cref="Device"/>).
    /// </summary>
    public static CacophonyModel Load(string directory, DeviceKind device = DeviceKind.Cpu, bool gpuHalfWeights = false)
    {
        GpuDevice? gpu = null;
        if (device != DeviceKind.Cpu)
        {
            gpu = GpuDevice.TryOpen(device, out var reason);
            if (gpu is null && device != DeviceKind.Auto) throw new InvalidOperationException($"--device {device.ToString().ToLowerInvariant()}: {reason}");
        }
        try
        {
            return Load(directory, gpu, gpuHalfWeights);
        }
        catch
        {
            gpu?.Dispose();
            throw;
        }
    }

    static CacophonyModel Load(string directory, GpuDevice? gpu, bool gpuHalfWeights)
    {
        var opened = ModelDirectory.Open(directory);
        try
        {
            if (opened.Config.Kind is not (ModelConfig.CacophonyKind or ModelConfig.AudioMaeKind))
                throw new CheckpointException(directory, $"is a '{opened.Config.Kind}' model directory, neither Cacophony nor AudioMAE");
            // The BPE tables (~150 ms to build) load on another thread while the weights are packed.
            var tokenizer = opened.HasTokenizer ? Task.Run(() => new RobertaTokenizer(opened.VocabularyFile, opened.MergesFile)) : null;
            return new CacophonyModel(opened.Config, opened, new Lazy<RobertaTokenizer?>(() => tokenizer?.GetAwaiter().GetResult()), opened, gpu, gpuHalfWeights);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>The normalized embedding of an audio file (any format <see cref="AudioDecoder"/> reads), 10 s zero-shot setting by default.</summary>
    public float[] EmbedAudio(string path, SequencePolicy? policy = null) => EmbedAudio([path], policy)[0];

    /// <summary>The normalized embedding of mono samples in [-1, 1) at any rate.</summary>
    public float[] EmbedAudio(ReadOnlySpan<float> samples, int sampleRate, SequencePolicy? policy = null) =>
        EncodeAudio([new DecodedAudio(samples.ToArray(), sampleRate, 1, "samples")], policy ?? SequencePolicy.ZeroShot)[0].Normalized;

    /// <summary>Several files in one batched pass (see <see cref="EncodeAudio(IReadOnlyList{AudioPatches})"/>).</summary>
    public float[][] EmbedAudio(IEnumerable<string> paths, SequencePolicy? policy = null) =>
        EncodeAudio(paths.Select(AudioDecoder.Read).ToList(), policy ?? SequencePolicy.ZeroShot).Select(e => e.Normalized).ToArray();

    /// <summary>True when the log-mel front end runs on the model's GPU device (<see cref="EncodeAudio(IReadOnlyList{DecodedAudio}, SequencePolicy)"/>).</summary>
    public bool FrontEndOnDevice => _gpu is not null;

    /// <summary>
    /// Decoded clips to embeddings, in one batched pass. On a GPU the log-mel and patches are computed on the
    /// device (only the resampling to 16 kHz runs on the CPU); on the CPU engine, by <see cref="FrontEnd"/>.
    /// </summary>
    public IReadOnlyList<AudioEmbedding> EncodeAudio(IReadOnlyList<DecodedAudio> clips, SequencePolicy policy)
    {
        var tower = _audio.Value;
        if (tower.EncodeWaveforms is not { } onDevice)
            return EncodeAudio(clips.Select(c => FrontEnd.Process(c, policy).Patches).ToList());
        // A clip under one patch is encoded as the original's all-padding sequence (AudioPatches.PaddingOnly),
        // which the CPU front end and the patch route give.
        if (clips.Any(c => !FrontEnd.HasPatch(Resampler.OutputLength(c.Samples.Length, c.SampleRate, Config.Preprocessing.SampleRate))))
            return EncodeAudio(clips.Select(c => FrontEnd.Process(c, policy).Patches).ToList());
        var waveforms = clips.Select(c => Resampler.Resample(c.Samples, c.SampleRate, Config.Preprocessing.SampleRate).Select(v => (float)v).ToArray()).ToList();
        var (hidden, pooled, patches) = onDevice(waveforms, policy);
        return Assemble(tower, patches, hidden, pooled);
    }

    /// <summary>The normalized embedding of a text (truncated to maxLength tokens with &lt;s&gt; and &lt;/s&gt;).</summary>
    public float[] EmbedText(string text, int maxLength = 100) => EncodeText(text, maxLength).Normalized;

    /// <summary>Several texts in one batched pass.</summary>
    public float[][] EmbedText(IEnumerable<string> texts, int maxLength = 100)
    {
        PrepareText();
        var tokenizer = Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
        return EncodeTokens(texts.Select(t => tokenizer.Encode(t, maxLength).Unpadded).ToList()).Select(e => e.Normalized).ToArray();
    }

    /// <summary>Cosine similarity of two normalized embeddings (the retrieval score).</summary>
    public static double Similarity(ReadOnlySpan<float> audio, ReadOnlySpan<float> text) => Embedding.Cosine(audio, text);

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

    /// <summary>Tokenizes and encodes a text, keeping every intermediate.</summary>
    public TextEmbedding EncodeText(string text, int maxLength = 100)
    {
        PrepareText();
        var tokenizer = Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
        return EncodeTokens(tokenizer.Encode(text, maxLength).Unpadded);
    }

    /// <summary>Encodes prepared patches (the front end's output), keeping the hidden states.</summary>
    public AudioEmbedding EncodeAudio(AudioPatches patches) => EncodeAudio([patches])[0];

    /// <summary>
    /// Encodes several clips in one pass: their patches share every GEMM; results equal one-by-one encoding.
    /// A clip with no patch (under 160 ms) gets what the original computes for its all-padding sequence
    /// (<see cref="AudioPatches.PaddingOnly"/>: one position in its embedding's hidden states).
    /// </summary>
    public IReadOnlyList<AudioEmbedding> EncodeAudio(IReadOnlyList<AudioPatches> clips)
    {
        var batch = clips.Select(c => c.ForEncoder(Config.Audio.PatchSize)).ToList();
        var tower = _audio.Value;
        var (hidden, devicePooled) = tower.Encode(batch);
        var results = Assemble(tower, batch, hidden, devicePooled);
        for (int i = 0; i < results.Count; i++)
            if (clips[i].RealCount == 0) results[i] = results[i] with { PaddingOnly = true };
        return results;
    }

    /// <summary>Splits a batch's hidden states per clip and pools them (unless the device already did).</summary>
    List<AudioEmbedding> Assemble(AudioTower tower, IReadOnlyList<AudioPatches> batch, float[] hidden, float[][]? devicePooled)
    {
        int width = tower.Width, offset = 0, index = 0;
        var results = new List<AudioEmbedding>(batch.Count);
        foreach (var clip in batch)
        {
            var rows = RowsOf(hidden, offset, clip.RealCount, width);
            offset += clip.RealCount;
            var pooled = devicePooled?[index++] ?? tower.Pool?.Forward(rows, clip.RealCount) ?? MeanRows(rows, clip.RealCount, width);
            results.Add(new AudioEmbedding(rows, clip.RealCount, pooled, Embedding.Normalize(pooled, Config.NormEpsEmbedding)));
        }
        return results;
    }

    /// <summary>
    /// One sequence's rows of a batch's hidden states (a fresh array from every encoder): the array itself when
    /// the sequence is all of it (one clip or text, the usual call), else a copy.
    /// </summary>
    static float[] RowsOf(float[] hidden, int firstRow, int rows, int width) =>
        firstRow == 0 && rows * width == hidden.Length ? hidden : hidden.AsSpan(firstRow * width, rows * width).ToArray();

    /// <summary>Encodes token ids (with &lt;s&gt; and &lt;/s&gt;, without padding), keeping every intermediate.</summary>
    public TextEmbedding EncodeTokens(int[] ids) => EncodeTokens([ids])[0];

    /// <summary>Encodes several texts in one pass: their tokens share every GEMM; results equal one-by-one encoding.</summary>
    public IReadOnlyList<TextEmbedding> EncodeTokens(IReadOnlyList<int[]> batch)
    {
        var tower = _text.Value ?? throw new InvalidOperationException("this model has no text encoder");
        var (hidden, devicePooled, deviceProjected) = tower.Encode(batch);
        int width = tower.Width, offset = 0, index = 0;
        var results = new List<TextEmbedding>(batch.Count);
        foreach (var ids in batch)
        {
            var rows = RowsOf(hidden, offset, ids.Length, width);
            offset += ids.Length;
            var pooled = devicePooled?[index] ?? tower.Pool!.Forward(rows, ids.Length);
            var projected = deviceProjected?[index] ?? tower.Projection!.Apply(pooled, 1);
            index++;
            results.Add(new TextEmbedding(ids, rows, pooled, projected, Embedding.Normalize(projected, Config.NormEpsEmbedding)));
        }
        return results;
    }

    static float[] MeanRows(float[] rows, int count, int width)
    {
        var sums = new double[width];
        for (int r = 0; r < count; r++)
            for (int j = 0; j < width; j++) sums[j] += rows[r * width + j];
        return sums.Select(v => (float)(v / Math.Max(1, count))).ToArray();
    }

    /// <summary>True for an AudioMAE directory: audio encoder only, clip embedding = mean of the hidden states.</summary>
    public bool IsAudioMae { get; }

    /// <summary>exp(logit_scale) * a . t for normalized embeddings.</summary>
    public double Logit(ReadOnlySpan<float> audio, ReadOnlySpan<float> text) => LogitScale * Embedding.Cosine(audio, text);

    public void Dispose()
    {
        lock (_gpuWeights)
        {
            foreach (var weights in _gpuWeights) weights.Release();
            _gpuWeights.Clear();
        }
        _gpu?.Dispose();
        _owner?.Dispose();
    }
}
