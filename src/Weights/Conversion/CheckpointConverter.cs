using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Flax;
using Cacophony.Weights.SafeTensors;
using Cacophony.Weights.Torch;

namespace Cacophony.Weights.Conversion;

/// <summary>
/// Flax or PyTorch checkpoint -> model directory (model.safetensors, config.json, tokenizer files).
/// Streams tensor by tensor; everything is written into a temporary sibling directory that is
/// renamed into place at the end, so an interrupted conversion leaves no half-written model.
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
        using var source = OpenCheckpoint(checkpoint, options.Overrides);
        var config = source.Config;
        ModelConfigValidation.Validate(config, checkpoint);
        log($"{Path.GetFileName(checkpoint)}: {source.Format} {config.Kind} checkpoint, {source.Bound.Count} tensors, audio {config.Audio.NumLayers}x{config.Audio.HiddenSize}" +
            (config.Text is { } t ? $", text {t.NumHiddenLayers}x{t.HiddenSize}" : "") + (config.Decoder is { } d ? $", decoder {d.NumHiddenLayers}x{d.HiddenSize}" : ""));

        string? tokenizer = null;
        if (config.Kind == ModelConfig.CacophonyKind && !options.NoTokenizer)
            tokenizer = TokenizerFiles.Locate(options.TokenizerDirectory)
                ?? throw new CheckpointException("tokenizer", TokenizerFiles.NotFound(options.TokenizerDirectory));

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
            config = config with
            {
                WeightsDtype = options.WeightsDType switch { DType.Float16 => "f16", DType.BFloat16 => "bf16", _ => "f32" },
                Source = new SourceCheckpoint { File = Path.GetFileName(checkpoint), Size = LengthOf(checkpoint), Sha256 = Sha256(checkpoint, log), Format = source.Format.ToString().ToLowerInvariant() },
            };
            WriteWeights(Path.Combine(staging, WeightsFile), source.Bound, options.WeightsDType, config, log);
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

    /// <summary>Detects the format from the first bytes, infers the config, and binds every canonical tensor.</summary>
    public static OpenedCheckpoint OpenCheckpoint(string path, ConfigOverrides overrides)
    {
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

    static void WriteWeights(string path, IReadOnlyList<BoundTensor> bound, DType dtype, ModelConfig config, Action<string> log)
    {
        long total = bound.Sum(b => b.ElementCount * 4), done = 0;
        int lastPercent = -1;
        var entries = bound.Select(b =>
        {
            var storage = b.Shape.Length >= 2 ? dtype : DType.Float32;
            return new SafeTensorsEntry(b.Name, storage, b.Shape, bytes =>
            {
                if (storage == DType.Float32) b.ReadInto(MemoryMarshal.Cast<byte, float>(bytes));
                else Narrow(b, storage, bytes);
            });
        });
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "cacophony",
            ["kind"] = config.Kind,
            ["source_sha256"] = config.Source?.Sha256 ?? "",
        };
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        SafeTensorsWriter.Write(stream, entries, metadata, written =>
        {
            done += TensorShape.ElementCount(written.Shape) * 4;
            int percent = (int)(100 * done / Math.Max(1, total));
            if (total > 64 << 20 && percent / 10 != lastPercent / 10)
            {
                lastPercent = percent;
                log($"converting: {percent}% ({done >> 20} of {total >> 20} MiB)");
            }
        });
        stream.Flush(flushToDisk: true);
    }

    /// <summary>float32 -> f16/bf16 in blocks, so no float copy of a whole embedding table is made.</summary>
    static void Narrow(BoundTensor tensor, DType storage, Span<byte> bytes)
    {
        if (tensor.Ref.Transpose)
        {
            ElementConversion.FromFloat32(tensor.Read(), storage, bytes);
            return;
        }
        const int block = 1 << 20;
        var values = new float[(int)Math.Min(block, tensor.ElementCount)];
        int size = storage.Size();
        for (long done = 0; done < tensor.ElementCount; done += block)
        {
            int count = (int)Math.Min(block, tensor.ElementCount - done);
            tensor.Source.ReadFloat32(tensor.Ref.Start + done, values.AsSpan(0, count));
            ElementConversion.FromFloat32(values.AsSpan(0, count), storage, bytes.Slice((int)done * size, count * size));
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
