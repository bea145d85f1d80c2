using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacophony.Eval.Sharding;

/// <summary>
/// What one shard of a job covered, in `&lt;output&gt;/parts/&lt;target&gt;.shard-I-of-N/manifest.json`: the command that ran
/// (its arguments without the shard and the directory it ran in, so that `cacophony merge` can finish the job as
/// a single run would), the job's whole input list (count and SHA-256, so parts of different jobs do not mix),
/// the inputs this shard covered and those it could not read, and the CPU engine's instruction set (shards on
/// different ones agree to float32 rounding, not bit for bit). Written when the shard starts (Finished false)
/// and again, atomically, when its part is complete.
/// </summary>
public sealed record PartManifest(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("shard")] int Shard,
    [property: JsonPropertyName("shards")] int Shards,
    [property: JsonPropertyName("arguments")] IReadOnlyList<string> Arguments,
    [property: JsonPropertyName("working_directory")] string WorkingDirectory,
    [property: JsonPropertyName("inputs")] int Inputs,
    [property: JsonPropertyName("inputs_sha256")] string InputsSha256,
    [property: JsonPropertyName("finished")] bool Finished,
    [property: JsonPropertyName("covered")] IReadOnlyList<string> Covered,
    [property: JsonPropertyName("failed")] IReadOnlyList<FailedInput> Failed,
    [property: JsonPropertyName("counters")] IReadOnlyDictionary<string, int> Counters,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("instruction_set")] string? InstructionSet = null)
{
    public const string FileName = "manifest.json";

    [JsonIgnore]
    public Shard Part => new(Shard, Shards);

    public static PartManifest? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ShardJsonContext.Default.PartManifest)
                ?? throw new ShardException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new ShardException($"{path}: not a part manifest ({e.Message})");
        }
    }

    /// <summary>Writes the manifest to a temporary name and renames it, so a reader sees the old one or the new one.</summary>
    public void Write(string directory)
    {
        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, ShardJsonContext.Default.PartManifest));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>An input a shard could not read, and why (the error line a single run prints).</summary>
public sealed record FailedInput(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("error")] string Error);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(PartManifest))]
internal sealed partial class ShardJsonContext : JsonSerializerContext;

/// <summary>A sharded job that cannot go on or be merged; the message names the part or shard and the problem.</summary>
public sealed class ShardException(string message) : InvalidOperationException(message);
