using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve.Endpoints;

/// <summary>
/// POST /v1/zero-shot: {"audio": base64, "labels": [...], "prompt"?: "This is a sound of ", "top"?: n} (or a
/// multipart upload) answers {"object": "zero_shot", "model", "labels": [{"label", "probability", "logit"}]}, the
/// labels ranked as `cacophony classify` ranks them (10 s setting, prompts of 77 tokens).
/// </summary>
static class ZeroShotEndpoint
{
    public static async Task Handle(HttpContext context, ServerState state, CancellationToken cancel)
    {
        var (request, owner) = await AudioRequest.Read(context, cancel).ConfigureAwait(false);
        using (owner)
        {
            state.CheckModelName(request.Field("model"));
            var labels = request.Strings("labels", state.Options.MaxInputs, context).Distinct(StringComparer.Ordinal).ToList();
            if (labels.Count < 2) throw ApiException.BadRequest($"'labels' needs at least two distinct labels, not {labels.Count}", "labels");
            int top = request.Integer("top", 1, labels.Count) ?? labels.Count;
            var model = state.RequireModel();
            if (model.IsAudioMae || model.Tokenizer is null) throw ApiException.BadRequest("this model has no text tower: zero-shot classification needs a Cacophony model with its tokenizer");
            string prompt = request.Field("prompt") ?? model.Config.Preprocessing.ZsPrefix;
            var clip = await state.Audio.Decode(request.Audio, "audio", cancel).ConfigureAwait(false);
            var queue = state.RequireQueue();
            var texts = queue.EmbedTokens(state.Tokenize(labels.Select(l => prompt + l), model.Config.Preprocessing.MaxTextLenZeroShotClasses), cancel);
            var audio = queue.EmbedAudio([clip], cancel);
            var labelVectors = await texts.ConfigureAwait(false);
            var clipVector = (await audio.ConfigureAwait(false))[0];
            var ranked = model.ZeroShot(clipVector, labels, labelVectors).Take(top).ToList();
            await JsonResponse.Write(context, 200, w =>
            {
                w.WriteString("object", "zero_shot");
                w.WriteString("model", state.Options.ModelName);
                w.WriteStartArray("labels");
                foreach (var label in ranked)
                {
                    w.WriteStartObject();
                    w.WriteString("label", label.Label);
                    w.WriteNumber("probability", label.Probability);
                    w.WriteNumber("logit", label.Logit);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }).ConfigureAwait(false);
        }
    }
}
