using System.Net;
using Cacophony.Serve;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Serve;

/// <summary>
/// The server's bounds through real requests: body and audio-length limits, a full queue (429 with Retry-After),
/// requests batched together, a request that leaves or times out dropping its work, an API key, CORS only when asked.
/// </summary>
public class LimitsTests : ServerFixture
{
    [Test]
    public async Task HugeBodiesAreRefusedWith413AndLongAudioWith400()
    {
        var (server, client) = await Start(new ServerOptions { MaxBodyBytes = 1 << 20, MaxAudioSeconds = 2 });
        await using var _ = server;
        using var __ = client;
        string huge = new('a', 2 << 20);
        var answer = await Post(client, "/v1/embeddings", $$"""{"input": "{{huge}}"}""");
        ExpectError(answer, 413, "at most 1048576");
        // Chunked (no Content-Length): Kestrel's limit stops the read.
        var chunked = new StringContent($$"""{"input": "{{huge}}"}""", System.Text.Encoding.UTF8, "application/json");
        chunked.Headers.ContentLength = null;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = new PushContent(chunked) })
        {
            try
            {
                using var response = await client.SendAsync(request);
                Assert.That((int)response.StatusCode, Is.EqualTo(413), await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException)
            {
                // The server answered 413 and closed the connection while the client was still sending.
            }
        }
        // However the connection ended, the server did not fail on the oversized body.
        Assert.That(await client.GetStringAsync("/metrics"), Does.Not.Contain("status=\"500\""));
        ExpectError(await Post(client, "/v1/embeddings", $$"""{"input": [{"type": "audio", "data": "{{Base64Of("stereo_44k1_24bit")}}"}]}"""), 400, "at most 2 s are allowed", "input[0]");
        ExpectError(await Send(client, HttpMethod.Get, "/v1/search?q=dog"), 404, "no index is loaded");
    }

    /// <summary>Content with no length, so that it goes chunked.</summary>
    sealed class PushContent(HttpContent inner) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);
        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Test]
    public async Task AFullQueueAnswers429WithRetryAfter()
    {
        var (server, client) = await Start(new ServerOptions { MaxQueue = 2 });
        await using var _ = server;
        using var __ = client;
        using var response = await client.PostAsync("/v1/embeddings", Json("""{"input": ["a", "b", "c"]}"""));
        Assert.That((int)response.StatusCode, Is.EqualTo(429));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("rate_limit_error"));
        using var fits = await client.PostAsync("/v1/embeddings", Json("""{"input": ["a", "b"]}"""));
        Assert.That((int)fits.StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task ConcurrentRequestsAreBatchedAndEachGetsItsOwnAnswer()
    {
        var (server, client) = await Start(new ServerOptions { BatchWindow = TimeSpan.FromMilliseconds(200), MaxBatch = 32 });
        await using var _ = server;
        using var __ = client;
        var texts = Golden.Texts("text_main");
        var golden = Golden.Floats("text_main", "text_embedding");
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Post(client, "/v1/embeddings", $$"""{"input": "{{texts[i % 3]}}"}""")));
        for (int i = 0; i < answers.Length; i++)
        {
            Assert.That(answers[i].Status, Is.EqualTo(200));
            var vector = Floats(answers[i].Body.RootElement.GetProperty("data")[0].GetProperty("embedding"));
            Assert.That(vector.Zip(golden.AsSpan(i % 3 * 32, 32).ToArray(), (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5), $"request {i}");
        }
        string metrics = await client.GetStringAsync("/metrics");
        var count = double.Parse(Line(metrics, "cacophony_batch_size_count").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var sum = double.Parse(Line(metrics, "cacophony_batch_size_sum").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(sum, Is.EqualTo(12));
        Assert.That(count, Is.LessThan(12), "some inputs shared a pass of the model");
    }

    static string Line(string metrics, string name) => metrics.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal));

    [Test]
    public async Task ACancelledOrTimedOutRequestDropsItsWork()
    {
        var (server, client) = await Start(new ServerOptions { BatchWindow = TimeSpan.FromMilliseconds(1500), RequestTimeout = TimeSpan.FromMilliseconds(500) });
        await using var _ = server;
        using var __ = client;
        // A slow upload in flight keeps the batch window open (its input may still come) for the two requests below.
        var slow = new SlowContent("""{"input": "This is a sound of dog"}""", TimeSpan.FromSeconds(3)) { Headers = { ContentType = new("application/json") } };
        var uploading = client.PostAsync("/v1/embeddings", slow);
        await slow.FirstPartSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        // The client gives up while its input waits in the batch window.
        using (var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            Assert.CatchAsync<OperationCanceledException>(() => client.PostAsync("/v1/embeddings", Json("""{"input": "Hello world"}"""), leaving.Token));
        // The server gives up (503, Retry-After) on a request that outlives its timeout.
        using var timedOut = await client.PostAsync("/v1/embeddings", Json("""{"input": "Hello world"}"""));
        Assert.That((int)timedOut.StatusCode, Is.EqualTo(503));
        Assert.That(await timedOut.Content.ReadAsStringAsync(), Does.Contain("took longer than 0.5 s"));
        Assert.That(timedOut.Headers.RetryAfter, Is.Not.Null);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (server.CancelledInputs < 2 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.That(server.CancelledInputs, Is.EqualTo(2), "both inputs were dropped before the model ran them");
        using (var finished = await uploading)
            Assert.That((int)finished.StatusCode, Is.EqualTo(503), "the slow upload itself outlived the timeout");
        string metrics = await client.GetStringAsync("/metrics");
        Assert.That(metrics, Does.Contain("cacophony_queue_depth 0"));
    }

    [Test]
    public async Task AnApiKeyGuardsTheApiAndCorsIsOffUnlessAsked()
    {
        var (server, client) = await Start(new ServerOptions { ApiKey = "s3cret-key", CorsOrigins = ["https://app.example"] });
        await using var _ = server;
        using var __ = client;
        ExpectError(await Post(client, "/v1/embeddings", """{"input": "x"}"""), 401, "API key");
        ExpectError(await Send(client, HttpMethod.Post, "/v1/embeddings", Json("""{"input": "x"}"""), key: "s3cret-kez"), 401, "API key");
        Assert.That((await Send(client, HttpMethod.Post, "/v1/embeddings", Json("""{"input": "x"}"""), key: "s3cret-key")).Status, Is.EqualTo(200));
        Assert.That((await Send(client, HttpMethod.Get, "/healthz")).Status, Is.EqualTo(200), "health stays open");

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/embeddings");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var allowed = await client.SendAsync(preflight);
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "https://app.example" }));

        using var other = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        other.Headers.Add("Origin", "https://evil.example");
        using var refused = await client.SendAsync(other);
        Assert.That(refused.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
        // The shared server has no CORS at all.
        using var plain = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        plain.Headers.Add("Origin", "https://app.example");
        using var none = await Client.SendAsync(plain);
        Assert.That(none.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }
}
