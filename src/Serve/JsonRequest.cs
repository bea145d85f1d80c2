using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve;

/// <summary>
/// A request's JSON body and typed access to its fields: a missing field, a field of the wrong type or a body that
/// is not JSON is a 400 naming the field and what was expected; a body over the limit is a 413.
/// </summary>
sealed class JsonRequest : IDisposable
{
    readonly JsonDocument _document;

    JsonRequest(JsonDocument document) => _document = document;

    public JsonElement Root => _document.RootElement;

    public static async Task<JsonRequest> Read(HttpRequest request, CancellationToken cancel)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"send the request as application/json (or multipart/form-data where the endpoint takes uploads), not {type}");
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 16 }, cancel).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body is not valid JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw ApiException.BadRequest($"the body must be a JSON object, not {Describe(kind)}");
        }
        return new JsonRequest(document);
    }

    public bool Has(string name) => Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement Required(string name) =>
        Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : throw ApiException.BadRequest($"'{name}' is required", name);

    public string? OptionalString(string name)
    {
        if (!Has(name)) return null;
        var value = Root.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(name, "a string", value);
    }

    public string RequiredString(string name) => OptionalString(name) ?? throw ApiException.BadRequest($"'{name}' is required", name);

    public int? OptionalInt(string name, int min, int max)
    {
        if (!Has(name)) return null;
        var value = Root.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number)) throw WrongType(name, "an integer", value);
        return number >= min && number <= max ? number : throw ApiException.BadRequest($"'{name}' must be between {min} and {max}, not {number}", name);
    }

    public double? OptionalNumber(string name)
    {
        if (!Has(name)) return null;
        var value = Root.GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw WrongType(name, "a number", value);
    }

    public bool? OptionalBool(string name)
    {
        if (!Has(name)) return null;
        var value = Root.GetProperty(name);
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw WrongType(name, "true or false", value);
    }

    public List<string> StringList(string name, int max)
    {
        var value = Required(name);
        if (value.ValueKind != JsonValueKind.Array) throw WrongType(name, "an array of strings", value);
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw WrongType($"{name}[{list.Count}]", "a string", item));
        if (list.Count == 0) throw ApiException.BadRequest($"'{name}' is empty", name);
        if (list.Count > max) throw ApiException.BadRequest($"'{name}' has {list.Count} items; at most {max} are allowed", name);
        return list;
    }

    public static ApiException WrongType(string name, string expected, JsonElement value) =>
        ApiException.BadRequest($"'{name}' must be {expected}, not {Describe(value.ValueKind)}", name);

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    public void Dispose() => _document.Dispose();
}
