using System.Security.Cryptography;
using Cacophony.Model;

namespace Cacophony.Search;

/// <summary>
/// Which network made a set of embeddings: the SHA-256 of the model directory's config.json followed by its
/// model.safetensors, and the precision it ran in (int8 products give slightly different vectors from float32's).
/// The files' sizes and modification times are kept too, so that an unchanged directory is recognized without
/// hashing a gigabyte again, the same test <c>index update</c> applies to audio files.
/// </summary>
public sealed record ModelIdentity
{
    public required string Sha256 { get; init; }

    /// <summary>fp32, fp16 or int8.</summary>
    public required string Precision { get; init; }

    /// <summary>The directory it was loaded from (absolute): where search finds the model when none is given.</summary>
    public string? Directory { get; init; }

    public long ConfigBytes { get; init; }
    public long WeightsBytes { get; init; }
    public long ConfigModifiedTicks { get; init; }
    public long WeightsModifiedTicks { get; init; }

    /// <summary>Same weights, same precision: vectors that may be compared.</summary>
    public bool SameNetwork(ModelIdentity other) => Sha256 == other.Sha256 && Precision == other.Precision;

    public override string ToString() => $"sha256 {Sha256[..Math.Min(16, Sha256.Length)]}... ({Directory ?? "in memory"}, {Precision})";

    public static string PrecisionName(WeightPrecision precision) => precision switch
    {
        WeightPrecision.Int8 => "int8",
        WeightPrecision.Float16 => "fp16",
        _ => "fp32",
    };

    /// <summary>
    /// The identity of a model loaded from a directory. <paramref name="known"/> (e.g. an index's header) is taken
    /// as it is when it names the same directory and its two files still have the recorded sizes and times.
    /// </summary>
    public static ModelIdentity Of(CacophonyModel model, ModelIdentity? known = null)
    {
        string directory = model.DirectoryPath
            ?? throw new InvalidOperationException("a model made in memory (CacophonyModel.FromWeights) has no directory to identify it by: give IndexOptions.Identity");
        var config = new FileInfo(Path.Combine(directory, "config.json"));
        var weights = new FileInfo(Path.Combine(directory, "model.safetensors"));
        string precision = PrecisionName(model.Precision);
        if (known is not null && known.Directory == directory && known.ConfigBytes == config.Length && known.WeightsBytes == weights.Length
            && known.ConfigModifiedTicks == config.LastWriteTimeUtc.Ticks && known.WeightsModifiedTicks == weights.LastWriteTimeUtc.Ticks)
            return known with { Precision = precision };
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in new[] { config, weights })
        {
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            for (int read; (read = stream.Read(buffer)) > 0;) hash.AppendData(buffer, 0, read);
        }
        return new ModelIdentity
        {
            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
            Precision = precision,
            Directory = directory,
            ConfigBytes = config.Length,
            WeightsBytes = weights.Length,
            ConfigModifiedTicks = config.LastWriteTimeUtc.Ticks,
            WeightsModifiedTicks = weights.LastWriteTimeUtc.Ticks,
        };
    }
}
