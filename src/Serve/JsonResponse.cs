using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve;

/// <summary>Writes JSON answers field by field (no reflection: the native build answers the same bytes).</summary>
static class JsonResponse
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task Write(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task Error(HttpContext context, ApiException error)
    {
        if (error.RetryAfter is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Write(context, error.Status, w =>
        {
            w.WriteStartObject("error");
            w.WriteString("message", error.Message);
            w.WriteString("type", error.Type);
            if (error.Param is null) w.WriteNull("param");
            else w.WriteString("param", error.Param);
            if (error.Code is null) w.WriteNull("code");
            else w.WriteString("code", error.Code);
            w.WriteEndObject();
        });
    }
}
