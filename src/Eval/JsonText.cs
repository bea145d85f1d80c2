using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacophony.Eval;

/// <summary>
/// How results are written as JSON: non-ASCII text (labels, captions, file names) stays UTF-8 as written instead
/// of \uXXXX escapes, and NaN / infinity are allowed (a metric with no clip to average is NaN).
/// </summary>
public static class JsonText
{
    /// <summary>results.json and other files meant to be read by people as well as programs.</summary>
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>One JSON value a line (--json output of the per-item commands).</summary>
    public static readonly JsonSerializerOptions Line = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
