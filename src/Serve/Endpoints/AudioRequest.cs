using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve.Endpoints;

/// <summary>
/// The body of an endpoint that takes one audio clip with some fields: JSON with the clip as base64 in "audio", or
/// multipart/form-data with the clip as the "audio" (or "file") part and the fields as form values.
/// </summary>
sealed class AudioRequest
{
    public required byte[] Audio { get; init; }
    public required Func<string, string?> Field { get; init; }
    public JsonRequest? Json { get; init; }

    public static async Task<(AudioRequest Request, IDisposable? Owner)> Read(HttpContext context, CancellationToken cancel)
    {
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(cancel).ConfigureAwait(false);
            var file = form.Files["audio"] ?? form.Files["file"] ?? (form.Files.Count > 0 ? form.Files[0] : null)
                ?? throw ApiException.BadRequest("the upload has no audio file: add it as the \"audio\" part", "audio");
            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes, cancel).ConfigureAwait(false);
            return (new AudioRequest { Audio = bytes.ToArray(), Field = name => form.TryGetValue(name, out var v) ? v.ToString() : null }, null);
        }
        var json = await JsonRequest.Read(context.Request, cancel).ConfigureAwait(false);
        try
        {
            var audio = AudioInput.FromBase64(json.RequiredString("audio"), "audio");
            return (new AudioRequest { Audio = audio, Json = json, Field = json.OptionalString }, json);
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    /// <summary>A number field: JSON number, or a form value that parses as one.</summary>
    public double? Number(string name)
    {
        if (Json is not null) return Json.OptionalNumber(name);
        var text = Field(name);
        if (text is null) return null;
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) ? value
            : throw ApiException.BadRequest($"'{name}' must be a number, not \"{text}\"", name);
    }

    public int? Integer(string name, int min, int max)
    {
        if (Json is not null) return Json.OptionalInt(name, min, max);
        if (Number(name) is not { } value) return null;
        if (value != Math.Floor(value)) throw ApiException.BadRequest($"'{name}' must be an integer, not {value}", name);
        return value >= min && value <= max ? (int)value : throw ApiException.BadRequest($"'{name}' must be between {min} and {max}, not {value}", name);
    }

    public bool? Flag(string name)
    {
        if (Json is not null) return Json.OptionalBool(name);
        return Field(name) switch
        {
            null => null,
            "true" or "1" => true,
            "false" or "0" => false,
            var other => throw ApiException.BadRequest($"'{name}' must be true or false, not \"{other}\"", name),
        };
    }

    /// <summary>A list of strings: a JSON array, or a form value separated by commas (or the field repeated).</summary>
    public List<string> Strings(string name, int max, HttpContext context)
    {
        if (Json is not null) return Json.StringList(name, max);
        var values = context.Request.Form[name].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (values.Count == 0) throw ApiException.BadRequest($"'{name}' is required", name);
        if (values.Count > max) throw ApiException.BadRequest($"'{name}' has {values.Count} items; at most {max} are allowed", name);
        return values;
    }
}
