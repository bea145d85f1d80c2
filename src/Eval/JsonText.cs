using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cacophony.Eval;

/// <summary>
/// How results are written as JSON: non-ASCII text (labels, captions, file names) stays UTF-8 as written instead
/// of \uXXXX escapes, and NaN / infinity are allowed (a metric with no clip to average is NaN). The types come
/// from generated serializers (a <see cref="JsonSerializerContext"/>), never from reflection, so that a trimmed
/// or native build writes the same bytes.
/// </summary>
public static class JsonText
{
    /// <summary>results.json and other files meant to be read by people as well as programs.</summary>
    public static JsonSerializerOptions Indented(IJsonTypeInfoResolver types) => new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = types,
    };

    /// <summary>One JSON value a line (--json output of the per-item commands).</summary>
    public static JsonSerializerOptions Line(IJsonTypeInfoResolver types) => new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = types,
    };

    /// <summary>A value through the generated serializer its options resolve.</summary>
    public static string Serialize<T>(T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));

    static JsonSerializerOptions? s_results;
    internal static JsonSerializerOptions Results => s_results ??= Indented(EvalJsonContext.Default);
}
