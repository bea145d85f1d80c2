using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cacophony.Model;
using Cacophony.Search;
using Cacophony.Serve.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cacophony.Serve;

/// <summary>
/// The HTTP server: Kestrel with the endpoints of docs/SERVING.md over one model. It listens at once (/healthz
/// answers while the model loads) and is ready (/readyz) after the model is warmed up. Stopping (SIGTERM, or
/// <see cref="StopAsync"/>) turns /readyz to 503, lets the requests in flight finish (up to the drain timeout)
/// and then closes.
/// </summary>
public sealed class CacophonyServer : IAsyncDisposable
{
    static readonly string[] Routes = ["/v1/embeddings", "/v1/zero-shot", "/v1/captions", "/v1/search", "/healthz", "/readyz", "/metrics"];

    readonly WebApplication _app;
    readonly ServerState _state;
    readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly byte[]? _keyHash;
    bool _ownsModel;

    CacophonyServer(WebApplication app, ServerState state)
    {
        _app = app;
        _state = state;
        _keyHash = state.Options.ApiKey is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
    }

    /// <summary>Where it listens (the real port when 0 was asked for).</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Completes when the model is loaded and warmed up; faults when loading failed.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Inputs dropped before the model because their request was cancelled or timed out.</summary>
    public long CancelledInputs => _state.Metrics.CancelledInputs;

    /// <summary>Completes when the server has stopped (after SIGTERM and the drain).</summary>
    public Task Stopped => _app.WaitForShutdownAsync();

    public static async Task<CacophonyServer> StartAsync(ServerOptions options)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
            var address = options.Host is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(options.Host, out var parsed) ? parsed
                : throw new ArgumentException($"--host must be an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost, not {options.Host}");
            kestrel.Listen(address, options.Port);
        });
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(form => form.MultipartBodyLengthLimit = options.MaxBodyBytes);
        var app = builder.Build();
        var server = new CacophonyServer(app, new ServerState(options, new ServerMetrics()));
        server.Map();
        app.Lifetime.ApplicationStopping.Register(() => server._state.Draining = true);
        await app.StartAsync().ConfigureAwait(false);
        _ = Task.Run(server.Load);
        return server;
    }

    /// <summary>Loads (or takes) the model, opens the index, warms the model up; then /readyz answers 200.</summary>
    void Load()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var options = _state.Options;
            var model = options.Model;
            if (model is null)
            {
                model = CacophonyModel.Load(options.ModelDirectory!, options.ModelOptions);
                _ownsModel = true;
            }
            _state.Model = model;
            if (options.IndexPath is { } path)
            {
                var index = AudioIndex.Open(path);
                index.RequireModel(model);
                _state.Index = index;
            }
            model.WarmUp(decoder: model.Config.Decoder is not null && model.Tokenizer is not null);
            _state.Queue = new InferenceQueue(model, options, _state.Metrics, () => _state.InFlight);
            _state.Metrics.ModelLoadSeconds = clock.Elapsed.TotalSeconds;
            _state.Ready = true;
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
        }
    }

    void Map()
    {
        _app.Use(Guard);
        _app.MapGet("/healthz", context => JsonResponse.Write(context, 200, w => w.WriteString("status", "ok")));
        _app.MapGet("/readyz", context => _state.NotReady is { } why
            ? JsonResponse.Write(context, 503, w => w.WriteString("status", why[..why.IndexOf(':')]))
            : JsonResponse.Write(context, 200, w => w.WriteString("status", "ready")));
        _app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(_state.Metrics.Render(), context.RequestAborted).ConfigureAwait(false);
        });
        _app.MapPost("/v1/embeddings", context => WithModel(context, EmbeddingsEndpoint.Handle));
        _app.MapPost("/v1/zero-shot", context => WithModel(context, ZeroShotEndpoint.Handle));
        _app.MapPost("/v1/captions", context => WithModel(context, CaptionsEndpoint.Handle));
        _app.MapGet("/v1/search", context => WithModel(context, SearchEndpoint.ByText));
        _app.MapPost("/v1/search", context => WithModel(context, SearchEndpoint.ByExample));
    }

    /// <summary>A model endpoint: refused while loading or draining; its work dropped when the client leaves or the request times out.</summary>
    async Task WithModel(HttpContext context, Func<HttpContext, ServerState, CancellationToken, Task> handle)
    {
        if (_state.NotReady is { } why) throw new ApiException(503, why) { RetryAfter = 2 };
        using var timeout = new CancellationTokenSource(_state.Options.RequestTimeout);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        _state.Began();
        try
        {
            await handle(context, _state, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            throw new ApiException(503, $"the request took longer than {_state.Options.RequestTimeout.TotalSeconds:0.#} s (the server is busy); retry shortly") { RetryAfter = 1 };
        }
        finally
        {
            _state.Ended();
        }
    }

    /// <summary>Around every request: the API key, CORS, metrics, and errors as JSON (a 500 never carries a stack trace).</summary>
    async Task Guard(HttpContext context, RequestDelegate next)
    {
        var clock = Stopwatch.StartNew();
        string route = Routes.FirstOrDefault(r => context.Request.Path.Equals(r, StringComparison.Ordinal)) ?? "other";
        try
        {
            if (_state.Options.CorsOrigins.Count > 0 && Cors(context)) return;
            if (route.StartsWith("/v1/", StringComparison.Ordinal) && _keyHash is not null && !Authorized(context))
                throw new ApiException(401, "missing or wrong API key: send \"Authorization: Bearer KEY\"", null, "invalid_api_key");
            if (context.Request.ContentLength > _state.Options.MaxBodyBytes)
                throw new ApiException(413, $"the body is {context.Request.ContentLength} bytes; at most {_state.Options.MaxBodyBytes} are allowed");
            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode == 404 && !context.Response.HasStarted)
                throw new ApiException(404, $"no such endpoint: {context.Request.Method} {context.Request.Path}");
            if (context.Response.StatusCode == 405 && !context.Response.HasStarted)
                throw new ApiException(405, $"{context.Request.Method} is not allowed on {context.Request.Path}");
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await JsonResponse.Error(context, e).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await JsonResponse.Error(context, new ApiException(e.StatusCode, e.StatusCode == 413 ? $"the body is larger than {_state.Options.MaxBodyBytes} bytes" : e.Message)).ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (!context.Response.HasStarted)
        {
            // A malformed or oversized multipart body.
            await JsonResponse.Error(context, new ApiException(e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? 413 : 400, $"the upload is malformed: {e.Message}")).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // the client left; nobody reads an answer
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            Console.Error.WriteLine($"error: {context.Request.Method} {context.Request.Path}: {e.GetType().Name}: {e.Message}");
            await JsonResponse.Error(context, new ApiException(500, "internal error: the server could not finish this request (its log says why)")).ConfigureAwait(false);
        }
        finally
        {
            _state.Metrics.Request(route, context.Response.StatusCode, clock.Elapsed.TotalSeconds);
        }
    }

    bool Authorized(HttpContext context)
    {
        string header = context.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.Ordinal)) return false;
        // Hashes of equal length compared in constant time: neither the key's length nor its prefix leaks.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[Bearer.Length..])), _keyHash);
    }

    /// <summary>CORS for the configured origins; true when the request was a preflight, answered here.</summary>
    bool Cors(HttpContext context)
    {
        string origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !(_state.Options.CorsOrigins.Contains(origin) || _state.Options.CorsOrigins.Contains("*"))) return false;
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = _state.Options.CorsOrigins.Contains("*") ? "*" : origin;
        headers.Vary = "Origin";
        if (!HttpMethods.IsOptions(context.Request.Method)) return false;
        headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
        headers.AccessControlAllowHeaders = "Authorization, Content-Type";
        headers.AccessControlMaxAge = "600";
        context.Response.StatusCode = 204;
        return true;
    }

    /// <summary>Drains: requests in flight finish (up to the drain timeout), then the server closes.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _state.Queue?.Dispose();
        _state.Index?.Dispose();
        if (_ownsModel) _state.Model?.Dispose();
    }
}
