using Cacophony.Model;
using Cacophony.Search;

namespace Cacophony.Serve;

/// <summary>What the endpoints share: the model and its queue, the index, the limits, the metrics, readiness.</summary>
sealed class ServerState(ServerOptions options, ServerMetrics metrics)
{
    public ServerOptions Options { get; } = options;
    public ServerMetrics Metrics { get; } = metrics;
    public AudioInput Audio { get; } = new(options.MaxAudioSeconds);

    public CacophonyModel? Model { get; set; }
    public InferenceQueue? Queue { get; set; }
    public AudioIndex? Index { get; set; }

    volatile bool _ready, _draining;
    int _inFlight;

    /// <summary>Model requests being handled now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Began() => Interlocked.Increment(ref _inFlight);
    public void Ended() => Interlocked.Decrement(ref _inFlight);

    public bool Ready { get => _ready; set => _ready = value; }
    public bool Draining { get => _draining; set => _draining = value; }

    /// <summary>Why the server cannot take model work yet, when it cannot.</summary>
    public string? NotReady => _draining ? "draining: the server is shutting down" : !_ready ? "loading: the model is still being prepared" : null;

    public CacophonyModel RequireModel() => Model ?? throw new ApiException(503, "loading: the model is still being prepared") { RetryAfter = 2 };

    public InferenceQueue RequireQueue() => Queue ?? throw new ApiException(503, "loading: the model is still being prepared") { RetryAfter = 2 };

    /// <summary>
    /// Texts as token ids (with &lt;s&gt; and &lt;/s&gt;, at most <paramref name="maxLength"/>), on the request's thread;
    /// a model without a tokenizer is a 400.
    /// </summary>
    public int[][] Tokenize(IEnumerable<string> texts, int maxLength, string? param = null)
    {
        var tokenizer = RequireModel().Tokenizer ?? throw ApiException.BadRequest("this model has no tokenizer (an audio-only directory): it embeds audio only", param);
        return texts.Select(t => tokenizer.Encode(t, maxLength).Unpadded).ToArray();
    }

    /// <summary>Refuses a request naming another model (OpenAI's model_not_found); a request without a name is for this one.</summary>
    public void CheckModelName(string? name)
    {
        if (name is not null && name != Options.ModelName)
            throw new ApiException(404, $"the model '{name}' does not exist here; this server runs '{Options.ModelName}'", "model", "model_not_found");
    }
}
