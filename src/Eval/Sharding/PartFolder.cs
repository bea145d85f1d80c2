using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Cacophony.Eval.Sharding;

/// <summary>
/// Where the parts of a sharded job live: `&lt;output&gt;/parts/&lt;target&gt;.shard-I-of-N/`, one folder per shard, beside
/// the files a single run writes (the target names them: "zeroshot", "hear", "emb.npy" ...).
/// </summary>
public static partial class PartFolder
{
    public const string PartsDirectory = "parts";

    public static string Of(string outputDirectory, string target, Shard shard) =>
        Path.Combine(outputDirectory, PartsDirectory, $"{target}.shard-{shard.Index}-of-{shard.Count}");

    /// <summary>The target and shard a part folder's name gives, or null for another name.</summary>
    public static (string Target, Shard Shard)? Parse(string folderName)
    {
        var match = PartName().Match(folderName);
        if (!match.Success) return null;
        int index = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), count = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        return index < count ? (match.Groups[1].Value, new Shard(index, count)) : null;
    }

    /// <summary>SHA-256 of a job's input list in the job's order: parts agree on it or belong to different jobs.</summary>
    public static string Digest(IEnumerable<string> inputs) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', inputs))));

    [GeneratedRegex(@"^(.+)\.shard-(\d{1,6})-of-(\d{1,6})$")]
    private static partial Regex PartName();
}
