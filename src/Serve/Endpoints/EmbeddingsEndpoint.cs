using System.Runtime.InteropServices;
using System.Text.Json;
using Cacophony.Audio;
using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve.Endpoints;

/// <summary>
/// POST /v1/embeddings, OpenAI's embeddings API: {"model", "input": string | array, "encoding_format": "float" |
/// "base64"} answers {"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}.
/// An input may also be audio, {"type": "audio", "data": base64 of a file}, or the body multipart/form-data with
/// audio files (and "model", "encoding_format" fields). Texts and clips go through the batching queue; every
/// embedding is normalized, so a dot product is the cosine.
/// </summary>
static class EmbeddingsEndpoint
{
    abstract record Input(int Index);
    sealed record TextInput(int Index, string Text) : Input(Index);
    sealed record AudioBytes(int Index, byte[] Bytes, string Param) : Input(Index);

    public static async Task Handle(HttpContext context, ServerState state, CancellationToken cancel)
    {
        string? model, format;
        List<Input> inputs;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(cancel).ConfigureAwait(false);
            model = form["model"].FirstOrDefault();
            format = form["encoding_format"].FirstOrDefault();
            inputs = [];
            foreach (var file in form.Files)
            {
                using var bytes = new MemoryStream();
                await file.CopyToAsync(bytes, cancel).ConfigureAwait(false);
                inputs.Add(new AudioBytes(inputs.Count, bytes.ToArray(), $"{file.Name}[{inputs.Count}] ({file.FileName})"));
            }
            if (inputs.Count == 0) throw ApiException.BadRequest("the upload has no audio file: add one or more file parts", "input");
        }
        else
        {
            using var json = await JsonRequest.Read(context.Request, cancel).ConfigureAwait(false);
            model = json.OptionalString("model");
            format = json.OptionalString("encoding_format");
            inputs = Inputs(json.Required("input"));
            if (json.Has("dimensions") && json.OptionalInt("dimensions", 1, int.MaxValue) is { } dimensions && dimensions != Dimension(state))
                throw ApiException.BadRequest($"'dimensions' must be {Dimension(state)} (the model's embedding size), not {dimensions}", "dimensions");
        }
        state.CheckModelName(model);
        bool base64 = format switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw ApiException.BadRequest($"'encoding_format' must be \"float\" or \"base64\", not \"{format}\"", "encoding_format"),
        };
        if (inputs.Count > state.Options.MaxInputs)
            throw ApiException.BadRequest($"'input' has {inputs.Count} items; at most {state.Options.MaxInputs} are allowed", "input");

        var texts = inputs.OfType<TextInput>().ToList();
        var audio = new List<(int Index, DecodedAudio Clip)>();
        foreach (var clip in inputs.OfType<AudioBytes>()) audio.Add((clip.Index, await state.Audio.Decode(clip.Bytes, clip.Param, cancel).ConfigureAwait(false)));
        var queue = state.RequireQueue();
        var tokens = texts.Count > 0 ? state.Tokenize(texts.Select(t => t.Text), 100, "input") : [];
        var textVectors = texts.Count > 0 ? queue.EmbedTokens(tokens, cancel) : Task.FromResult(Array.Empty<float[]>());
        var audioVectors = audio.Count > 0 ? queue.EmbedAudio(audio.Select(a => a.Clip).ToList(), cancel) : Task.FromResult(Array.Empty<float[]>());
        var vectors = new float[inputs.Count][];
        var fromText = await textVectors.ConfigureAwait(false);
        var fromAudio = await audioVectors.ConfigureAwait(false);
        for (int i = 0; i < texts.Count; i++) vectors[texts[i].Index] = fromText[i];
        for (int i = 0; i < audio.Count; i++) vectors[audio[i].Index] = fromAudio[i];

        await JsonResponse.Write(context, 200, w =>
        {
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            for (int i = 0; i < vectors.Length; i++)
            {
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WriteNumber("index", i);
                if (base64) w.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                else
                {
                    w.WriteStartArray("embedding");
                    foreach (var x in vectors[i]) w.WriteNumberValue(x);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("model", state.Options.ModelName);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", tokens.Sum(t => t.Length));
            w.WriteNumber("total_tokens", tokens.Sum(t => t.Length));
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    static int Dimension(ServerState state)
    {
        var model = state.RequireModel();
        return model.IsAudioMae ? model.Config.Audio.HiddenSize : model.Config.ProjectionSize;
    }

    static List<Input> Inputs(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String) return [new TextInput(0, input.GetString()!)];
        if (input.ValueKind == JsonValueKind.Object) return [Item(input, 0)];
        if (input.ValueKind != JsonValueKind.Array) throw JsonRequest.WrongType("input", "a string, an array of strings or audio items", input);
        var inputs = new List<Input>();
        foreach (var item in input.EnumerateArray()) inputs.Add(Item(item, inputs.Count));
        if (inputs.Count == 0) throw ApiException.BadRequest("'input' is empty: give at least one text or audio item", "input");
        return inputs;
    }

    static Input Item(JsonElement item, int index)
    {
        string param = $"input[{index}]";
        if (item.ValueKind == JsonValueKind.String) return new TextInput(index, item.GetString()!);
        if (item.ValueKind == JsonValueKind.Number) throw ApiException.BadRequest($"'{param}' is a number: token arrays are not accepted, send the text itself", param);
        if (item.ValueKind == JsonValueKind.Array) throw ApiException.BadRequest($"'{param}' is an array: token arrays are not accepted, send the text itself", param);
        if (item.ValueKind != JsonValueKind.Object) throw JsonRequest.WrongType(param, "a string or {\"type\": \"audio\", \"data\": base64}", item);
        if (!item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "audio")
            throw ApiException.BadRequest($"'{param}' must be {{\"type\": \"audio\", \"data\": base64}} (\"type\" is \"audio\")", param);
        if (!item.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
            throw ApiException.BadRequest($"'{param}.data' must be a base64 string of an audio file", param);
        return new AudioBytes(index, AudioInput.FromBase64(data.GetString(), param + ".data"), param);
    }
}
