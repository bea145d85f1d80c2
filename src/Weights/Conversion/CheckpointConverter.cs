using System.Security.Cryptography;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Flax;
using Cacophony.Weights.Quantization;
using Cacophony.Weights.SafeTensors;
using Cacophony.Weights.Torch;

namespace Cacophony.Weights.Conversion;

/// <summary>
/// Flax or PyTorch checkpoint, or a model directory -> model directory (model.safetensors, config.json, tokenizer
/// files), in a storage type: float32, f16/bf16, or int8 (`cacophony quantize`). Streams tensor by tensor;
/// everything is written into a temporary sibling directory that is renamed into place at the end, so an
/// interrupted conversion leaves no half-written model.
/// </summary>
public static class CheckpointConverter
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "config.json";

    /// <param name="log">Progress lines (stderr in the tools).</param>
    public static ModelConfig Convert(ConvertOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        string checkpoint = options.Checkpoint;
        if (Directory.Exists(checkpoint) && Path.GetFullPath(checkpoint).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(options.OutputDirectory).TrimEnd(Path.DirectorySeparatorChar))
            throw new CheckpointException(options.OutputDirectory, "is the model directory being read; write to another directory");
        using var source = OpenCheckpoint(checkpoint, options.Overrides);
        var config = source.Config;
        ModelConfigValidation.Validate(config, checkpoint);
        log($"{Path.GetFileName(checkpoint)}: {source.Format} {config.Kind} checkpoint, {source.Bound.Count} tensors, audio {config.Audio.NumLayers}x{config.Audio.HiddenSize}" +
            (config.Text is { } t ? $", text {t.NumHiddenLayers}x{t.HiddenSize}" : "") + (config.Decoder is { } d ? $", decoder {d.NumHiddenLayers}x{d.HiddenSize}" : ""));

        bool fromDirectory = source.Format == CheckpointFormat.Canonical;
        string? tokenizer = null;
        if (config.Kind == ModelConfig.CacophonyKind && !options.NoTokenizer)
        {
            // A model directory brings its own tokenizer files (or has none: an audio-only directory stays one).
            tokenizer = fromDirectory && options.TokenizerDirectory is null
                ? TokenizerFiles.Locate(checkpoint)
                : TokenizerFiles.Locate(options.TokenizerDirectory) ?? throw new CheckpointException("tokenizer", TokenizerFiles.NotFound(options.TokenizerDirectory));
        }

        string output = Path.GetFullPath(options.OutputDirectory);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !options.Force)
            throw new CheckpointException(output, "output directory exists and is not empty (use --force to replace it)");
        string parent = Path.GetDirectoryName(output) ?? ".";
        Directory.CreateDirectory(parent);
        StagingDirectories.SweepStale(output, log);
        string staging = StagingDirectories.For(output);
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            bool int8 = options.WeightsDType == DType.Int8;
            config = config with
            {
                WeightsDtype = options.WeightsDType.OptionName(),
                Quantization = int8 ? new QuantizationConfig
                {
                    DenseLayers = source.Bound.Count(b => b.ChannelAxis == 1 && WeightsFileWriter.Quantized(b, options.QuantizeEmbeddings)),
                    Embeddings = options.QuantizeEmbeddings,
                } : null,
                // A model directory keeps naming the checkpoint it was converted from.
                Source = fromDirectory ? config.Source
                    : new SourceCheckpoint { File = Path.GetFileName(checkpoint), Size = LengthOf(checkpoint), Sha256 = Sha256(checkpoint, log), Format = source.Format.ToString().ToLowerInvariant() },
            };
            if (int8) log($"quantizing {config.Quantization!.DenseLayers} dense layers{(options.QuantizeEmbeddings ? " and the word embedding" : "")} to int8 per channel");
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "cacophony",
                ["kind"] = config.Kind,
                ["source_sha256"] = config.Source?.Sha256 ?? "",
            };
            WeightsFileWriter.Write(Path.Combine(staging, WeightsFile), source.Bound, options.WeightsDType, options.QuantizeEmbeddings, metadata, log);
            File.WriteAllText(Path.Combine(staging, ConfigFile), config.ToJson());
            if (tokenizer is not null)
                foreach (var name in TokenizerFiles.Names) File.Copy(Path.Combine(tokenizer, name), Path.Combine(staging, name));
            Publish(staging, output);
            log($"wrote {output}");
            return config;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>A checkpoint opened and bound to the canonical weight map.</summary>
    public sealed class OpenedCheckpoint(CheckpointFormat format, ModelConfig config, IReadOnlyList<BoundTensor> bound, IDisposable owner) : IDisposable
    {
        public CheckpointFormat Format => format;
        public ModelConfig Config => config;
        public IReadOnlyList<BoundTensor> Bound => bound;
        public void Dispose() => owner.Dispose();
    }

    /// <summary>A model directory (config.json and model.safetensors in any storage type), bound to its canonical weight map.</summary>
    static OpenedCheckpoint OpenModelDirectory(string path, ConfigOverrides overrides)
    {
        if (overrides != new ConfigOverrides())
            throw new CheckpointException(path, "is a model directory: its head counts come from its config.json, not from --*-heads");
        var config = ModelConfig.Load(Path.Combine(path, ConfigFile));
        var weights = SafeTensorsFile.Open(Path.Combine(path, WeightsFile));
        try
        {
            var bound = WeightBinder.Bind(weights.Path, QuantizedTensors.Pair(weights.Path, weights.Tensors), WeightMap.For(config, CheckpointFormat.Canonical));
            return new OpenedCheckpoint(CheckpointFormat.Canonical, config, bound, weights);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Detects the format from the first bytes (a directory is a model directory), infers the config, and binds
    /// every canonical tensor.
    /// </summary>
    public static OpenedCheckpoint OpenCheckpoint(string path, ConfigOverrides overrides)
    {
        if (Directory.Exists(path)) return OpenModelDirectory(path, overrides);
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        var head = new byte[8];
        using (var probe = File.OpenRead(path)) probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (TorchCheckpoint.LooksLikeZip(head) || TorchCheckpoint.LooksLikeLegacyTorch(head))
        {
            var torch = TorchCheckpoint.Open(path);
            try
            {
                var config = WithOverrideErrors(path, () => ConfigInference.FromTorch(path, torch.Tensors, overrides));
                var bound = WeightBinder.Bind(path, torch.Tensors, WeightMap.For(config, CheckpointFormat.Torch));
                return new OpenedCheckpoint(CheckpointFormat.Torch, config, bound, torch);
            }
            catch
            {
                torch.Dispose();
                throw;
            }
        }
        if (FlaxCheckpoint.LooksLikeFlax(head))
        {
            var flax = FlaxCheckpoint.Open(path);
            try
            {
                var (config, scanned) = WithOverrideErrors(path, () => ConfigInference.FromFlax(path, flax.Tensors, overrides));
                var bound = WeightBinder.Bind(path, flax.Tensors, WeightMap.For(config, CheckpointFormat.Flax, scanned));
                return new OpenedCheckpoint(CheckpointFormat.Flax, config, bound, flax);
            }
            catch
            {
                flax.Dispose();
                throw;
            }
        }
        throw new CheckpointException(path, $"unrecognized checkpoint format (first bytes {System.Convert.ToHexString(head)}): expected a Flax msgpack .ckpt or a PyTorch zip .pt");
    }

    static T WithOverrideErrors<T>(string path, Func<T> infer)
    {
        try
        {
            return infer();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(path, e.Message);
        }
    }

    static string Sha256(string path, Action<string> log)
    {
        var length = LengthOf(path);
        if (length > 64 << 20) log($"hashing {length >> 20} MiB ...");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return System.Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The length of the file a path leads to (FileInfo gives a symbolic link's own size).</summary>
    static long LengthOf(string path)
    {
        using var handle = File.OpenHandle(path);
        return RandomAccess.GetLength(handle);
    }

    /// <summary>Moves the finished staging directory into place, replacing an old one only after the new one is complete.</summary>
    static void Publish(string staging, string output)
    {
        if (!Directory.Exists(output))
        {
            Directory.Move(staging, output);
            return;
        }
        string old = staging + ".old";
        Directory.Move(output, old);
        Directory.Move(staging, output);
        Directory.Delete(old, recursive: true);
    }
}
