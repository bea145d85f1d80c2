using System.Text.Json;
using System.Text.Json.Serialization;
using Cacophony.Eval;

namespace Cacophony.Cli;

// What the commands print with --json, one record per object; the property names are the keys, spelled out.

sealed record SimilarityJson(
    [property: JsonPropertyName("audio")] string[] Audio,
    [property: JsonPropertyName("text")] string[] Text,
    [property: JsonPropertyName("cosine")] double[][] Cosine,
    [property: JsonPropertyName("logits")] double[][] Logits,
    [property: JsonPropertyName("probabilities")] double[][] Probabilities);

sealed record ClassifiedJson(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("labels")] IReadOnlyList<RankedLabelJson> Labels);

sealed record RankedLabelJson(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("probability")] double Probability,
    [property: JsonPropertyName("logit")] double Logit);

sealed record CaptionJson(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("caption")] string Caption,
    [property: JsonPropertyName("tokens")] int[] Tokens,
    [property: JsonPropertyName("logits")] float[] Logits,
    [property: JsonPropertyName("score")] double? Score);

sealed record SearchHitJson(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("offset")] double Offset,
    [property: JsonPropertyName("window")] double Window,
    [property: JsonPropertyName("duration")] double Duration,
    [property: JsonPropertyName("score")] float Score);

/// <summary>Generated serializers for the CLI's JSON, so the native build prints the same bytes as the JIT build.</summary>
[JsonSerializable(typeof(SimilarityJson))]
[JsonSerializable(typeof(ClassifiedJson))]
[JsonSerializable(typeof(CaptionJson))]
[JsonSerializable(typeof(SearchHitJson))]
[JsonSerializable(typeof(Dictionary<string, int[]>))]
[JsonSerializable(typeof(string))]
sealed partial class CliJson : JsonSerializerContext
{
    // Made on first use: the generated Default is initialized in another part of this class, in no set order.
    static JsonSerializerOptions? s_indented, s_line;
    public static JsonSerializerOptions Indented => s_indented ??= JsonText.Indented(Default);
    public static JsonSerializerOptions Line => s_line ??= JsonText.Line(Default);
}
