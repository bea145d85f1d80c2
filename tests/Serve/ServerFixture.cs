using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cacophony.Model;
using Cacophony.Search;
using Cacophony.Serve;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Serve;

/// <summary>
/// A real Kestrel on a free loopback port, serving the golden tiny model (with its tokenizer) and an index of the
/// golden clips, and an HTTP client for it. Tests that need other limits start servers of their own with <see cref="Start"/>.
/// </summary>
public abstract class ServerFixture : TinyModelCliFixture
{
    protected CacophonyModel Model { get; private set; } = null!;
    protected CacophonyServer Server { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;
    protected string Library { get; private set; } = "";
    protected string IndexPath { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Model = CacophonyModel.Load(ModelDirectory);
        Library = Temp.File("library");
        Directory.CreateDirectory(Library);
        foreach (var clip in new[] { "front_center", "noise", "speech_espeak", "clip_16k" }) File.Copy(TestData.Tiny($"wavs/{clip}.wav"), Path.Combine(Library, clip + ".wav"));
        IndexPath = Temp.File("library.cidx");
        AudioIndex.Build(Model, [Library], IndexPath);
        (Server, Client) = await Start(new ServerOptions { IndexPath = IndexPath });
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        Client?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        Model?.Dispose();
    }

    /// <summary>A server on the fixture's model with these options (port 0), ready, and a client for it.</summary>
    protected async Task<(CacophonyServer Server, HttpClient Client)> Start(ServerOptions options)
    {
        var server = await CacophonyServer.StartAsync(options with { Model = Model, Port = 0 });
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return (server, new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) });
    }

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    protected static string Base64Of(string wav) => Convert.ToBase64String(File.ReadAllBytes(TestData.Tiny($"wavs/{wav}.wav")));

    protected static async Task<(int Status, JsonDocument Body)> Send(HttpClient client, HttpMethod method, string path, HttpContent? content = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        return ((int)response.StatusCode, JsonDocument.Parse(text));
    }

    protected static Task<(int Status, JsonDocument Body)> Post(HttpClient client, string path, string json) => Send(client, HttpMethod.Post, path, Json(json));

    /// <summary>An error answer: OpenAI's shape ({"error": {"message", "type", "param", "code"}}) with these parts.</summary>
    protected static void ExpectError((int Status, JsonDocument Body) answer, int status, string messagePart, string? param = null)
    {
        Assert.That(answer.Status, Is.EqualTo(status), answer.Body.RootElement.ToString());
        var error = answer.Body.RootElement.GetProperty("error");
        Assert.That(error.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "message", "type", "param", "code" }));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain(messagePart));
        if (param is not null) Assert.That(error.GetProperty("param").GetString(), Is.EqualTo(param));
        Assert.That(error.ToString(), Does.Not.Contain("   at "), "no stack trace");
    }

    protected static float[] Floats(JsonElement array) => array.EnumerateArray().Select(x => x.GetSingle()).ToArray();
}
