using System.Text.Json.Serialization;

namespace Cacophony.Eval;

// The shapes of results.json, one record per object. They are serialized by generated code (EvalJsonContext), so
// that a trimmed or native build writes them too; the property names are the file's keys, spelled out.

public sealed record ProtocolJson(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("sample_rate")] string SampleRate,
    [property: JsonPropertyName("clips_read_at_another_rate")] int ClipsReadAtAnotherRate,
    [property: JsonPropertyName("clips_shorter_than_one_patch")] int ClipsShorterThanOnePatch);

public sealed record ZeroShotResultsJson(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("protocol")] ProtocolJson Protocol,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("top1")] double Top1,
    [property: JsonPropertyName("top5")] double Top5,
    [property: JsonPropertyName("clips_evaluated")] int ClipsEvaluated,
    [property: JsonPropertyName("clips_listed")] int ClipsListed,
    [property: JsonPropertyName("clips_missing")] int ClipsMissing,
    [property: JsonPropertyName("clips_unreadable")] int ClipsUnreadable,
    [property: JsonPropertyName("classes")] int Classes,
    [property: JsonPropertyName("per_class")] IReadOnlyList<ClassAccuracyJson> PerClass);

public sealed record ClassAccuracyJson(
    [property: JsonPropertyName("class")] string Class,
    [property: JsonPropertyName("clips")] int Clips,
    [property: JsonPropertyName("accuracy")] double? Accuracy);

public sealed record RetrievalResultsJson(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("protocol")] ProtocolJson Protocol,
    [property: JsonPropertyName("clips_evaluated")] int ClipsEvaluated,
    [property: JsonPropertyName("captions")] int Captions,
    [property: JsonPropertyName("clips_listed")] int ClipsListed,
    [property: JsonPropertyName("clips_missing")] int ClipsMissing,
    [property: JsonPropertyName("clips_unreadable")] int ClipsUnreadable,
    [property: JsonPropertyName("text_to_audio")] RetrievalScoresJson TextToAudio,
    [property: JsonPropertyName("text_to_audio_by_caption_string")] RetrievalScoresJson TextToAudioByCaptionString,
    [property: JsonPropertyName("text_to_audio_by_own_clip")] RetrievalScoresJson TextToAudioByOwnClip,
    [property: JsonPropertyName("audio_to_text")] RetrievalScoresJson AudioToText);

public sealed record RetrievalScoresJson(
    [property: JsonPropertyName("r1")] IntervalJson R1,
    [property: JsonPropertyName("r5")] IntervalJson R5,
    [property: JsonPropertyName("r10")] IntervalJson R10,
    [property: JsonPropertyName("map10")] IntervalJson Map10,
    [property: JsonPropertyName("map10_laion_clap")] IntervalJson? Map10LaionClap);

/// <summary>An estimate with its 95% jackknife interval [low, high].</summary>
public sealed record IntervalJson(
    [property: JsonPropertyName("estimate")] double Estimate,
    [property: JsonPropertyName("ci95")] double[] Ci95);

/// <summary>Caption evaluation; a metric that was not computed is a string saying why (meteor, spice, spider).</summary>
public sealed record CaptionResultsJson(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("protocol")] ProtocolJson Protocol,
    [property: JsonPropertyName("decoding")] DecodingJson Decoding,
    [property: JsonPropertyName("bleu_1")] double Bleu1,
    [property: JsonPropertyName("bleu_2")] double Bleu2,
    [property: JsonPropertyName("bleu_3")] double Bleu3,
    [property: JsonPropertyName("bleu_4")] double Bleu4,
    [property: JsonPropertyName("rouge_l")] double RougeL,
    [property: JsonPropertyName("cider_d")] double CiderD,
    [property: JsonPropertyName("meteor")] object Meteor,
    [property: JsonPropertyName("spice")] object Spice,
    [property: JsonPropertyName("spider")] object Spider,
    [property: JsonPropertyName("clips_evaluated")] int ClipsEvaluated,
    [property: JsonPropertyName("clips_listed")] int ClipsListed,
    [property: JsonPropertyName("clips_missing")] int ClipsMissing,
    [property: JsonPropertyName("clips_unreadable")] int ClipsUnreadable);

/// <summary>The decoding options of a caption run (the option names as the API spells them).</summary>
public sealed record DecodingJson(
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("MaxTokens")] int MaxTokens,
    [property: JsonPropertyName("Temperature")] float Temperature,
    [property: JsonPropertyName("TopK")] int TopK,
    [property: JsonPropertyName("TopP")] float TopP,
    [property: JsonPropertyName("Seed")] ulong Seed,
    [property: JsonPropertyName("Beams")] int Beams,
    [property: JsonPropertyName("LengthPenalty")] float LengthPenalty);

[JsonSerializable(typeof(ZeroShotResultsJson))]
[JsonSerializable(typeof(RetrievalResultsJson))]
[JsonSerializable(typeof(CaptionResultsJson))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
internal sealed partial class EvalJsonContext : JsonSerializerContext;
