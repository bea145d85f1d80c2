using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Microsoft.AspNetCore.Http;

namespace Cacophony.Serve.Endpoints;

/// <summary>
/// POST /v1/captions: {"audio": base64, "decode"?: "greedy" | "sample" | "beam", "temperature", "top_k", "top_p",
/// "seed", "beams", "length_penalty", "max_tokens"} (or a multipart upload) answers {"object": "caption", "model",
/// "caption", "tokens", "score"}, as `cacophony caption` writes it (30 s setting).
/// </summary>
static class CaptionsEndpoint
{
    public static async Task Handle(HttpContext context, ServerState state, CancellationToken cancel)
    {
        var (request, owner) = await AudioRequest.Read(context, cancel).ConfigureAwait(false);
        using (owner)
        {
            state.CheckModelName(request.Field("model"));
            var defaults = new DecodingOptions();
            var options = new DecodingOptions
            {
                Strategy = request.Field("decode") switch
                {
                    null or "greedy" => DecodingStrategy.Greedy,
                    "sample" => DecodingStrategy.Sample,
                    "beam" => DecodingStrategy.Beam,
                    var other => throw ApiException.BadRequest($"'decode' must be \"greedy\", \"sample\" or \"beam\", not \"{other}\"", "decode"),
                },
                Temperature = (float)(request.Number("temperature") ?? defaults.Temperature),
                TopK = request.Integer("top_k", 0, 100_000) ?? defaults.TopK,
                TopP = (float)(request.Number("top_p") ?? defaults.TopP),
                Seed = (ulong)(request.Integer("seed", 0, int.MaxValue) ?? 0),
                Beams = request.Integer("beams", 1, 16) ?? defaults.Beams,
                LengthPenalty = (float)(request.Number("length_penalty") ?? defaults.LengthPenalty),
                MaxTokens = request.Integer("max_tokens", 1, 99) ?? defaults.MaxTokens,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw ApiException.BadRequest(e.Message.Replace("--", "", StringComparison.Ordinal).Replace('-', '_'));
            }
            var model = state.RequireModel();
            if (model.Config.Decoder is null || model.Tokenizer is null) throw ApiException.BadRequest("this model has no caption decoder (or no tokenizer)");
            var clip = await state.Audio.Decode(request.Audio, "audio", cancel).ConfigureAwait(false);
            var caption = await state.RequireQueue().Exclusive(m => m.Caption(m.EncodeAudio([clip], SequencePolicy.RetrievalAndCaptioning), options)[0], cancel).ConfigureAwait(false);
            await JsonResponse.Write(context, 200, w =>
            {
                w.WriteString("object", "caption");
                w.WriteString("model", state.Options.ModelName);
                w.WriteString("caption", caption.Text);
                w.WriteStartArray("tokens");
                foreach (var token in caption.Tokens.Tokens) w.WriteNumberValue(token);
                w.WriteEndArray();
                // A beam's log p / length^penalty; greedy and sampled captions have none (null).
                if (double.IsFinite(caption.Tokens.Score)) w.WriteNumber("score", caption.Tokens.Score);
                else w.WriteNull("score");
            }).ConfigureAwait(false);
        }
    }
}
