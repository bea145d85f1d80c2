namespace Cacophony.Serve;

/// <summary>How `cacophony serve` runs: where it listens, what it loads, and the bounds that keep it responsive under load.</summary>
public sealed record ServerOptions
{
    /// <summary>The model directory to load (ignored when <see cref="Model"/> is given).</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>A model loaded by the caller (benchmarks, applications hosting the server); the server does not dispose it.</summary>
    public Model.CacophonyModel? Model { get; init; }

    /// <summary>How the model directory is loaded (device, precision).</summary>
    public Model.ModelOptions? ModelOptions { get; init; }

    /// <summary>The name clients give as "model"; another name is answered 404 (model_not_found).</summary>
    public string ModelName { get; init; } = "cacophony";

    /// <summary>A sound-library index to serve /v1/search from.</summary>
    public string? IndexPath { get; init; }

    /// <summary>Loopback by default: exposing the server is a decision, not an accident.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (see <see cref="CacophonyServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, /v1 requests need "Authorization: Bearer KEY" (compared in constant time).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Origins allowed to call from a browser; none (CORS off) by default.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>How long the batcher waits for more work after the first item of a batch.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most texts or clips the encoder takes in one pass.</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>
    /// Most clips in one pass of the audio encoder. One by default: on the CPU engine a clip's products already run
    /// at the kernels' full speed alone (eight 5 s clips per call measured 0.90x one per call); raise it on a GPU.
    /// </summary>
    public int MaxAudioBatch { get; init; } = 1;

    /// <summary>Most inputs waiting for the model; more are answered 429 with Retry-After.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Largest request body (413 above).</summary>
    public long MaxBodyBytes { get; init; } = 64L << 20;

    /// <summary>Longest audio input, in seconds (400 above).</summary>
    public double MaxAudioSeconds { get; init; } = 600;

    /// <summary>Most inputs in one request (400 above).</summary>
    public int MaxInputs { get; init; } = 256;

    /// <summary>A request still waiting or running after this is answered 503 and its work dropped.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long SIGTERM waits for in-flight requests before the process exits anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (Model is null && string.IsNullOrEmpty(ModelDirectory)) throw new ArgumentException("--model: give the model directory");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0-65535, not {Port}");
        if (MaxBatch < 1) throw new ArgumentException($"--max-batch must be at least 1, not {MaxBatch}");
        if (MaxAudioBatch < 1) throw new ArgumentException($"--max-audio-batch must be at least 1, not {MaxAudioBatch}");
        if (MaxQueue < 1) throw new ArgumentException($"--max-queue must be at least 1, not {MaxQueue}");
        if (BatchWindow < TimeSpan.Zero) throw new ArgumentException("--batch-window-ms must not be negative");
        if (MaxBodyBytes < 1024) throw new ArgumentException($"--max-body-mb is too small ({MaxBodyBytes} bytes)");
        if (!(MaxAudioSeconds > 0)) throw new ArgumentException($"--max-audio-seconds must be positive, not {MaxAudioSeconds}");
        if (MaxInputs < 1) throw new ArgumentException($"--max-inputs must be at least 1, not {MaxInputs}");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("--api-key must not be empty");
    }
}
