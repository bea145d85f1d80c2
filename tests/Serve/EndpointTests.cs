using System.Net;
using System.Net.Http.Headers;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Serve;

/// <summary>
/// Every endpoint through a real HTTP client: the answers carry the golden reference's embeddings, probabilities,
/// caption tokens and search ranking, in the OpenAI API's field names where the endpoint follows it.
/// </summary>
public class EndpointTests : ServerFixture
{
    [Test]
    public async Task TextEmbeddingsHaveOpenAisShapeAndTheReferenceValues()
    {
        var texts = Golden.Texts("text_main");
        var golden = Golden.Floats("text_main", "text_embedding");
        var answer = await Post(Client, "/v1/embeddings", $$"""{"model": "cacophony", "input": ["{{texts[0]}}", "{{texts[2]}}"], "encoding_format": "float"}""");
        Assert.That(answer.Status, Is.EqualTo(200), answer.Body.RootElement.ToString());
        var root = answer.Body.RootElement;
        // https://platform.openai.com/docs/api-reference/embeddings/object: list of {object, embedding, index}, model, usage.
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "object", "data", "model", "usage" }));
        Assert.That(root.GetProperty("object").GetString(), Is.EqualTo("list"));
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo("cacophony"));
        Assert.That(root.GetProperty("usage").EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "prompt_tokens", "total_tokens" }));
        Assert.That(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), Is.EqualTo(Golden.Ints("text_main", "text_mask").AsSpan(0, 100).ToArray().Sum() + Golden.Ints("text_main", "text_mask").AsSpan(200, 100).ToArray().Sum()));
        var data = root.GetProperty("data").EnumerateArray().ToList();
        Assert.That(data, Has.Count.EqualTo(2));
        int[] rows = [0, 2];
        for (int i = 0; i < 2; i++)
        {
            Assert.That(data[i].EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "object", "index", "embedding" }));
            Assert.That(data[i].GetProperty("object").GetString(), Is.EqualTo("embedding"));
            Assert.That(data[i].GetProperty("index").GetInt32(), Is.EqualTo(i));
            var vector = Floats(data[i].GetProperty("embedding"));
            Golden.Report($"text {rows[i]}", vector, golden.AsSpan(rows[i] * 32, 32));
            Assert.That(vector.Zip(golden.AsSpan(rows[i] * 32, 32).ToArray(), (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
        }
        // A single string is one input; base64 is the float32 bytes, little-endian.
        var single = await Post(Client, "/v1/embeddings", $$"""{"input": "{{texts[2]}}", "encoding_format": "base64"}""");
        var bytes = Convert.FromBase64String(single.Body.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, decoded, 0, bytes.Length);
        Assert.That(decoded, Is.EqualTo(Floats(data[1].GetProperty("embedding"))));
    }

    [Test]
    public async Task AudioEmbeddingsFromJsonAndFromAnUploadAreTheReferences()
    {
        var noise = Golden.Floats("audio_noise", "audio_embedding");
        var speech = Golden.Floats("audio_speech_espeak", "audio_embedding");
        var answer = await Post(Client, "/v1/embeddings", $$"""{"input": [{"type": "audio", "data": "{{Base64Of("noise")}}"}, "Hello world", {"type": "audio", "data": "{{Base64Of("speech_espeak")}}"}]}""");
        Assert.That(answer.Status, Is.EqualTo(200), answer.Body.RootElement.ToString());
        var data = answer.Body.RootElement.GetProperty("data");
        Assert.That(Floats(data[0].GetProperty("embedding")).Zip(noise, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
        Assert.That(Floats(data[2].GetProperty("embedding")).Zip(speech, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
        Assert.That(data[1].GetProperty("index").GetInt32(), Is.EqualTo(1), "inputs keep their order");

        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(TestData.Tiny("wavs/noise.wav")));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "noise.wav");
        form.Add(new StringContent("cacophony"), "model");
        var uploaded = await Send(Client, HttpMethod.Post, "/v1/embeddings", form);
        Assert.That(uploaded.Status, Is.EqualTo(200), uploaded.Body.RootElement.ToString());
        Assert.That(Floats(uploaded.Body.RootElement.GetProperty("data")[0].GetProperty("embedding")).Zip(noise, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
    }

    [Test]
    public async Task ZeroShotProbabilitiesAreTheSoftmaxOfTheGoldenLogits()
    {
        var texts = Golden.Texts("text_main");
        int[] chosen = [0, 2, 3, 6];
        string labels = string.Join(", ", chosen.Select(i => $"\"{texts[i]}\""));
        var answer = await Post(Client, "/v1/zero-shot", $$"""{"audio": "{{Base64Of("noise")}}", "labels": [{{labels}}], "prompt": ""}""");
        Assert.That(answer.Status, Is.EqualTo(200), answer.Body.RootElement.ToString());
        var logits = Golden.Floats("logits", "logits_audio_text");
        int row = Array.IndexOf(Golden.AudioCases, "audio_noise");
        var l = chosen.Select(i => (double)logits[row * 13 + i]).ToArray();
        double max = l.Max(), sum = l.Sum(x => Math.Exp(x - max));
        var expected = chosen.Select((i, k) => (Label: texts[i], Probability: Math.Exp(l[k] - max) / sum)).OrderByDescending(e => e.Probability).ToList();
        var ranked = answer.Body.RootElement.GetProperty("labels").EnumerateArray().ToList();
        Assert.That(ranked.Select(r => r.GetProperty("label").GetString()), Is.EqualTo(expected.Select(e => e.Label)));
        for (int k = 0; k < ranked.Count; k++) Assert.That(ranked[k].GetProperty("probability").GetDouble(), Is.EqualTo(expected[k].Probability).Within(1e-4));
    }

    [Test]
    public async Task CaptionsCarryTheReferenceGreedyTokens()
    {
        var answer = await Post(Client, "/v1/captions", $$"""{"audio": "{{Base64Of("noise")}}", "max_tokens": 12}""");
        Assert.That(answer.Status, Is.EqualTo(200), answer.Body.RootElement.ToString());
        var tokens = answer.Body.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        var expected = Golden.Ints("audio_noise", "greedy_tokens")[1..];
        int end = Array.IndexOf(expected, 2);
        Assert.That(tokens, Is.EqualTo(end < 0 ? expected : expected[..(end + 1)]));
        Assert.That(answer.Body.RootElement.GetProperty("caption").GetString(), Is.Not.Null);
        var beam = await Post(Client, "/v1/captions", $$"""{"audio": "{{Base64Of("noise")}}", "decode": "beam", "beams": 2, "max_tokens": 8}""");
        Assert.That(beam.Body.RootElement.GetProperty("score").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Number));
        ExpectError(await Post(Client, "/v1/captions", $$"""{"audio": "{{Base64Of("noise")}}", "decode": "nucleus"}"""), 400, "'decode' must be", "decode");
    }

    [Test]
    public async Task SearchByTextAndByExampleRankAsTheReference()
    {
        var similarity = Golden.Floats("logits", "similarity_audio_text");
        string[] clips = ["front_center", "noise", "speech_espeak", "clip_16k"];
        double Reference(string clip) => similarity[Array.IndexOf(Golden.AudioCases, "audio_" + clip) * 13 + 2];
        var byText = await Send(Client, HttpMethod.Get, "/v1/search?q=Hello%20world&top=2");
        Assert.That(byText.Status, Is.EqualTo(200), byText.Body.RootElement.ToString());
        var hits = byText.Body.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.That(hits, Has.Count.EqualTo(2));
        var best = clips.OrderByDescending(Reference).ToList();
        Assert.That(hits[0].GetProperty("path").GetString(), Is.EqualTo(Path.Combine(Library, best[0] + ".wav")));
        Assert.That(hits[0].GetProperty("score").GetDouble(), Is.EqualTo(Reference(best[0])).Within(1e-4));
        Assert.That(hits[0].EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "path", "offset", "window", "duration", "score" }));

        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(File.ReadAllBytes(TestData.Tiny("wavs/noise.wav"))), "audio", "noise.wav" },
            { new StringContent("true"), "exclude_self" },
            { new StringContent("3"), "top" },
        };
        var byExample = await Send(Client, HttpMethod.Post, "/v1/search", form);
        Assert.That(byExample.Status, Is.EqualTo(200), byExample.Body.RootElement.ToString());
        var others = byExample.Body.RootElement.GetProperty("data").EnumerateArray().Select(h => h.GetProperty("path").GetString()).ToList();
        Assert.That(others, Has.Count.EqualTo(3).And.None.EndsWith("noise.wav"));
        var self = await Post(Client, "/v1/search", $$"""{"audio": "{{Base64Of("noise")}}", "top": 1}""");
        Assert.That(self.Body.RootElement.GetProperty("data")[0].GetProperty("score").GetDouble(), Is.EqualTo(1).Within(1e-5));
    }

    [Test]
    public async Task HealthReadinessAndMetricsAnswer()
    {
        var health = await Send(Client, HttpMethod.Get, "/healthz");
        Assert.That((health.Status, health.Body.RootElement.GetProperty("status").GetString()), Is.EqualTo((200, "ok")));
        var ready = await Send(Client, HttpMethod.Get, "/readyz");
        Assert.That((ready.Status, ready.Body.RootElement.GetProperty("status").GetString()), Is.EqualTo((200, "ready")));
        await Post(Client, "/v1/embeddings", """{"input": "Hello world"}""");
        await Post(Client, "/v1/embeddings", """{"input": []}""");
        using var response = await Client.GetAsync("/metrics");
        Assert.That(response.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
        string metrics = await response.Content.ReadAsStringAsync();
        Assert.That(metrics, Does.Contain("cacophony_requests_total{route=\"/v1/embeddings\",status=\"200\"}"));
        Assert.That(metrics, Does.Contain("cacophony_requests_total{route=\"/v1/embeddings\",status=\"400\"}"));
        Assert.That(metrics, Does.Contain("cacophony_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"+Inf\"}"));
        Assert.That(metrics, Does.Contain("cacophony_batch_size_count").And.Contain("cacophony_queue_depth 0").And.Contain("cacophony_model_load_seconds "));
        Assert.That(metrics, Does.Not.Contain("cacophony_model_load_seconds NaN"));
        // Every sample line is "name{labels} value" or "name value" with a number.
        foreach (var line in metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
            Assert.That(line, Does.Match(@"^[a-z_]+(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf)$"), line);
    }

    [Test]
    public async Task BadInputsGetFourHundredsThatNameTheProblem()
    {
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": ["a", """), 400, "not valid JSON");
        ExpectError(await Post(Client, "/v1/embeddings", """["Hello"]"""), 400, "must be a JSON object, not an array");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": 5}"""), 400, "'input' must be a string", "input");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": [[1, 2, 3]]}"""), 400, "token arrays are not accepted", "input[0]");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": []}"""), 400, "'input' is empty", "input");
        ExpectError(await Post(Client, "/v1/embeddings", """{"model": 7, "input": "x"}"""), 400, "'model' must be a string", "model");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": "x", "encoding_format": "int8"}"""), 400, "'encoding_format' must be", "encoding_format");
        var unknown = await Post(Client, "/v1/embeddings", """{"model": "text-embedding-3-small", "input": "x"}""");
        ExpectError(unknown, 404, "does not exist here", "model");
        Assert.That(unknown.Body.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("model_not_found"));
        string text = Convert.ToBase64String("this is plain text, not audio"u8.ToArray());
        ExpectError(await Post(Client, "/v1/embeddings", $$"""{"input": [{"type": "audio", "data": "{{text}}"}]}"""), 400, "is not audio", "input[0]");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": [{"type": "audio", "data": "@@@"}]}"""), 400, "not valid base64", "input[0].data");
        ExpectError(await Post(Client, "/v1/embeddings", """{"input": [{"type": "video", "data": "AAAA"}]}"""), 400, "\"type\" is \"audio\"", "input[0]");
        ExpectError(await Post(Client, "/v1/zero-shot", $$"""{"audio": "{{Base64Of("noise")}}", "labels": ["dog"]}"""), 400, "at least two distinct labels", "labels");
        ExpectError(await Post(Client, "/v1/zero-shot", $$"""{"audio": "{{Base64Of("noise")}}", "labels": "dog,cat"}"""), 400, "'labels' must be an array of strings", "labels");
        ExpectError(await Post(Client, "/v1/zero-shot", """{"labels": ["a", "b"]}"""), 400, "'audio' is required", "audio");
        ExpectError(await Send(Client, HttpMethod.Get, "/v1/search?top=3"), 400, "'q' is required", "q");
        ExpectError(await Send(Client, HttpMethod.Get, "/v1/search?q=dog&top=many"), 400, "'top' must be an integer", "top");
        ExpectError(await Send(Client, HttpMethod.Post, "/v1/embeddings", new StringContent("input=x", System.Text.Encoding.UTF8, "text/plain")), 415, "application/json");
        ExpectError(await Send(Client, HttpMethod.Get, "/v1/nothing"), 404, "no such endpoint");
        ExpectError(await Send(Client, HttpMethod.Get, "/v1/embeddings"), 405, "GET is not allowed");
        var many = string.Join(", ", Enumerable.Repeat("\"x\"", 257));
        ExpectError(await Post(Client, "/v1/embeddings", $$"""{"input": [{{many}}]}"""), 400, "at most 256 are allowed", "input");
    }
}
