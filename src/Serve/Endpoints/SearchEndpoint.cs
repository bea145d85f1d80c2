using System.Globalization;
using Cacophony.Search;
using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve.Endpoints;

/// <summary>
/// GET /v1/search?q=text&amp;top=20&amp;min_score=0.2&amp;windows=false, or POST /v1/search with an example clip
/// ({"audio": base64, "top", "min_score", "exclude_self", "windows"} or an upload): the loaded index's best files,
/// {"object": "list", "data": [{"path", "offset", "window", "duration", "score"}]}.
/// </summary>
static class SearchEndpoint
{
    public static async Task ByText(HttpContext context, ServerState state, CancellationToken cancel)
    {
        var index = RequireIndex(state);
        var query = context.Request.Query;
        string text = query["q"].FirstOrDefault() is { Length: > 0 } q ? q : throw ApiException.BadRequest("'q' is required: what to look for, in words", "q");
        var options = new SearchOptions
        {
            Top = Parse(query["top"].FirstOrDefault(), "top", 20, 1, 10_000),
            MinScore = (float)ParseNumber(query["min_score"].FirstOrDefault(), "min_score", double.NegativeInfinity),
            PerWindow = ParseFlag(query["windows"].FirstOrDefault(), "windows"),
        };
        var vector = (await state.RequireQueue().EmbedTokens(state.Tokenize([text], 100, "q"), cancel).ConfigureAwait(false))[0];
        await Write(context, state, index.Search(vector, options)).ConfigureAwait(false);
    }

    public static async Task ByExample(HttpContext context, ServerState state, CancellationToken cancel)
    {
        var index = RequireIndex(state);
        var (request, owner) = await AudioRequest.Read(context, cancel).ConfigureAwait(false);
        using (owner)
        {
            var options = new SearchOptions
            {
                Top = request.Integer("top", 1, 10_000) ?? 20,
                MinScore = (float)(request.Number("min_score") ?? double.NegativeInfinity),
                PerWindow = request.Flag("windows") ?? false,
                ExcludeContent = request.Flag("exclude_self") == true ? System.Security.Cryptography.SHA256.HashData(request.Audio) : null,
            };
            var clip = await state.Audio.Decode(request.Audio, "audio", cancel).ConfigureAwait(false);
            var vector = await state.RequireQueue().Exclusive(m => index.EmbedAudio(m, clip), cancel).ConfigureAwait(false);
            await Write(context, state, index.Search(vector, options)).ConfigureAwait(false);
        }
    }

    static AudioIndex RequireIndex(ServerState state) =>
        state.Index ?? throw new ApiException(404, "no index is loaded: start the server with --index library.cidx", null, "no_index");

    static Task Write(HttpContext context, ServerState state, IReadOnlyList<SearchHit> hits) => JsonResponse.Write(context, 200, w =>
    {
        w.WriteString("object", "list");
        w.WriteString("model", state.Options.ModelName);
        w.WriteStartArray("data");
        foreach (var hit in hits)
        {
            w.WriteStartObject();
            w.WriteString("path", hit.Path);
            w.WriteNumber("offset", Math.Round(hit.Window.Offset, 3));
            w.WriteNumber("window", Math.Round(hit.Window.Duration, 3));
            w.WriteNumber("duration", Math.Round(hit.File.Duration, 3));
            w.WriteNumber("score", hit.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    static int Parse(string? text, string name, int fallback, int min, int max)
    {
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) throw ApiException.BadRequest($"'{name}' must be an integer, not \"{text}\"", name);
        return value >= min && value <= max ? value : throw ApiException.BadRequest($"'{name}' must be between {min} and {max}, not {value}", name);
    }

    static double ParseNumber(string? text, string name, double fallback) =>
        text is null ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && !double.IsNaN(value) ? value
        : throw ApiException.BadRequest($"'{name}' must be a number, not \"{text}\"", name);

    static bool ParseFlag(string? text, string name) => text switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw ApiException.BadRequest($"'{name}' must be true or false, not \"{text}\"", name),
    };
}
