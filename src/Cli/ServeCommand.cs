using System.CommandLine;
using Cacophony.Serve;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony serve --model M [--index library.cidx] [--port 8080] [--host 127.0.0.1] [--api-key K]</c>: the HTTP
/// server of docs/SERVING.md. It prints where it listens on stderr, answers /healthz at once and /readyz once the
/// model is warm, and on SIGTERM or Ctrl+C finishes the requests in flight before it exits.
/// </summary>
static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var index = new Option<string?>("--index") { Description = "a sound-library index (`cacophony index build`) to serve /v1/search from" };
        var host = new Option<string>("--host") { Description = "address to listen on: loopback by default; 0.0.0.0 exposes the server", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "port (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var name = new Option<string>("--model-name") { Description = "the name clients send as \"model\"", DefaultValueFactory = _ => "cacophony" };
        var apiKey = new Option<string?>("--api-key") { Description = "require \"Authorization: Bearer KEY\" on /v1 (or set CACOPHONY_API_KEY)" };
        var cors = new Option<string[]>("--cors") { Description = "origins allowed to call from a browser (CORS is off by default); * for any", AllowMultipleArgumentsPerToken = true };
        var window = new Option<double>("--batch-window-ms") { Description = "how long a batch waits for more inputs after its first", DefaultValueFactory = _ => 5 };
        var maxBatch = new Option<int>("--max-batch") { Description = "most texts or clips in one pass of the model", DefaultValueFactory = _ => 16 };
        var maxAudioBatch = new Option<int>("--max-audio-batch") { Description = "most clips in one pass of the audio encoder (1: on the CPU engine one clip fills it; raise on a GPU)", DefaultValueFactory = _ => 1 };
        var maxQueue = new Option<int>("--max-queue") { Description = "most inputs waiting; more are answered 429", DefaultValueFactory = _ => 256 };
        var maxBody = new Option<double>("--max-body-mb") { Description = "largest request body in MB (413 above)", DefaultValueFactory = _ => 64 };
        var maxAudio = new Option<double>("--max-audio-seconds") { Description = "longest audio input (400 above)", DefaultValueFactory = _ => 600 };
        var maxInputs = new Option<int>("--max-inputs") { Description = "most inputs in one request (400 above)", DefaultValueFactory = _ => 256 };
        var timeout = new Option<double>("--timeout-seconds") { Description = "a request still unanswered after this gets 503 and its work is dropped", DefaultValueFactory = _ => 120 };
        var drain = new Option<double>("--drain-seconds") { Description = "how long SIGTERM waits for requests in flight", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Serve the model over HTTP: OpenAI-compatible embeddings, zero-shot, captions, search.")
        {
            index, host, port, name, apiKey, cors, window, maxBatch, maxAudioBatch, maxQueue, maxBody, maxAudio, maxInputs, timeout, drain,
        };
        model.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            // The model directory opens here (a missing or damaged one is one line and exit 2); it warms up while the server listens.
            var loaded = model.Load(parse);
            var options = new ServerOptions
            {
                Model = loaded,
                ModelName = parse.GetValue(name)!,
                IndexPath = parse.GetValue(index),
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("CACOPHONY_API_KEY"),
                CorsOrigins = parse.GetValue(cors) ?? [],
                BatchWindow = TimeSpan.FromMilliseconds(parse.GetValue(window)),
                MaxBatch = parse.GetValue(maxBatch),
                MaxAudioBatch = parse.GetValue(maxAudioBatch),
                MaxQueue = parse.GetValue(maxQueue),
                MaxBodyBytes = (long)(parse.GetValue(maxBody) * (1 << 20)),
                MaxAudioSeconds = parse.GetValue(maxAudio),
                MaxInputs = parse.GetValue(maxInputs),
                RequestTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drain)),
            };
            try
            {
                return Run(options).GetAwaiter().GetResult();
            }
            finally
            {
                loaded.Dispose();
            }
        }));
        return command;
    }

    static async Task<int> Run(ServerOptions options)
    {
        await using var server = await CacophonyServer.StartAsync(options);
        Console.Error.WriteLine($"listening on {server.Address} (loading the model; /readyz answers 200 when it is ready)");
        try
        {
            await server.Ready;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Errors.BadInput;
        }
        Console.Error.WriteLine($"ready: {options.Model!.Device}{(options.IndexPath is { } index ? $", index {index}" : "")}");
        await server.Stopped;
        Console.Error.WriteLine("stopped: every request in flight was answered");
        return 0;
    }
}
