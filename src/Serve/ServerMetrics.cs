using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Cacophony.Serve;

/// <summary>
/// What /metrics reports, in Prometheus's text format (version 0.0.4): requests by route and status, latency
/// histograms by route, batch sizes, the queue's depth, inputs rejected (429) and dropped (cancelled or timed
/// out), and how long the model took to load.
/// </summary>
sealed class ServerMetrics
{
    static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128];

    sealed class Histogram(double[] bounds)
    {
        readonly long[] _counts = new long[bounds.Length + 1];
        double _sum;
        long _count;
        readonly Lock _gate = new();

        public void Observe(double value)
        {
            lock (_gate)
            {
                int i = 0;
                while (i < bounds.Length && value > bounds[i]) i++;
                _counts[i]++;
                _sum += value;
                _count++;
            }
        }

        public void Write(StringBuilder text, string name, string labels)
        {
            lock (_gate)
            {
                long cumulative = 0;
                string prefix = labels.Length == 0 ? "" : labels + ",";
                for (int i = 0; i < bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{bounds[i].ToString(CultureInfo.InvariantCulture)}\"}} {cumulative}\n");
                }
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"+Inf\"}} {_count}\n");
                string braces = labels.Length == 0 ? "" : "{" + labels + "}";
                text.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {_sum.ToString("R", CultureInfo.InvariantCulture)}\n{name}_count{braces} {_count}\n");
            }
        }
    }

    readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    readonly ConcurrentDictionary<string, Histogram> _latency = new();
    readonly Histogram _batches = new(BatchBuckets);
    long _rejected, _cancelled;
    int _depth;

    public double ModelLoadSeconds { get; set; } = double.NaN;

    public void Request(string route, int status, double seconds)
    {
        _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);
        _latency.GetOrAdd(route, _ => new Histogram(LatencyBuckets)).Observe(seconds);
    }

    public void Batch(int size) => _batches.Observe(size);
    public void QueueDepth(int depth) => Volatile.Write(ref _depth, depth);
    public void Rejected() => Interlocked.Increment(ref _rejected);
    public void Cancelled() => Interlocked.Increment(ref _cancelled);

    public long CancelledInputs => Interlocked.Read(ref _cancelled);

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP cacophony_requests_total HTTP requests by route and status.\n# TYPE cacophony_requests_total counter\n");
        foreach (var ((route, status), count) in _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
            text.Append(CultureInfo.InvariantCulture, $"cacophony_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}\n");
        text.Append("# HELP cacophony_request_duration_seconds Time from a request's arrival to its answer.\n# TYPE cacophony_request_duration_seconds histogram\n");
        foreach (var (route, histogram) in _latency.OrderBy(r => r.Key, StringComparer.Ordinal))
            histogram.Write(text, "cacophony_request_duration_seconds", $"route=\"{route}\"");
        text.Append("# HELP cacophony_batch_size Inputs the model took in one pass.\n# TYPE cacophony_batch_size histogram\n");
        _batches.Write(text, "cacophony_batch_size", "");
        text.Append(CultureInfo.InvariantCulture, $"# HELP cacophony_queue_depth Inputs waiting for the model.\n# TYPE cacophony_queue_depth gauge\ncacophony_queue_depth {Volatile.Read(ref _depth)}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP cacophony_rejected_inputs_total Inputs answered 429 because the queue was full.\n# TYPE cacophony_rejected_inputs_total counter\ncacophony_rejected_inputs_total {Interlocked.Read(ref _rejected)}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP cacophony_cancelled_inputs_total Inputs dropped before the model because their request was cancelled or timed out.\n# TYPE cacophony_cancelled_inputs_total counter\ncacophony_cancelled_inputs_total {CancelledInputs}\n");
        text.Append("# HELP cacophony_model_load_seconds Time to load and warm up the model.\n# TYPE cacophony_model_load_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"cacophony_model_load_seconds {(double.IsNaN(ModelLoadSeconds) ? "NaN" : ModelLoadSeconds.ToString("R", CultureInfo.InvariantCulture))}\n");
        return text.ToString();
    }
}
