using System.Diagnostics;
using System.Threading.Channels;
using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Serve;

/// <summary>
/// The one place the model runs: a worker thread takes queued inputs, waits up to the batch window for more, and
/// runs each kind together (texts in one batched pass, clips in another; captions one at a time). Texts arrive
/// tokenized: the request threads tokenize, the inference thread only runs the network. Admission is
/// all-or-nothing per request and bounded: a request whose inputs do not fit answers 429. An input whose request
/// was cancelled or timed out is dropped before it reaches the model.
/// </summary>
sealed class InferenceQueue : IDisposable
{
    abstract class Work(CancellationToken cancel)
    {
        public CancellationToken Cancel { get; } = cancel;
        public abstract void Fail(Exception e);
        public abstract void Drop();
    }

    class Item<T>(CancellationToken cancel) : Work(cancel)
    {
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Fail(Exception e) => Result.TrySetException(e);
        public override void Drop() => Result.TrySetCanceled(Cancel);
    }

    sealed class TextWork(int[] tokens, CancellationToken cancel) : Item<float[]>(cancel)
    {
        public int[] Tokens { get; } = tokens;
    }

    sealed class AudioWork(DecodedAudio audio, CancellationToken cancel) : Item<float[]>(cancel)
    {
        public DecodedAudio Audio { get; } = audio;
    }

    sealed class ExclusiveWork(Func<CacophonyModel, object> run, CancellationToken cancel) : Item<object>(cancel)
    {
        public Func<CacophonyModel, object> Run { get; } = run;
    }

    readonly Channel<Work> _channel = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    readonly CacophonyModel _model;
    readonly ServerOptions _options;
    readonly ServerMetrics _metrics;
    readonly Thread _worker;
    readonly Func<int> _requestsInFlight;
    int _depth;

    /// <param name="requestsInFlight">HTTP requests being handled: the batch stops waiting when all of them are in it.</param>
    public InferenceQueue(CacophonyModel model, ServerOptions options, ServerMetrics metrics, Func<int> requestsInFlight)
    {
        _model = model;
        _options = options;
        _metrics = metrics;
        _requestsInFlight = requestsInFlight;
        _worker = new Thread(Loop) { IsBackground = true, Name = "cacophony inference" };
        _worker.Start();
    }

    /// <summary>Inputs waiting for the model.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Normalized text embeddings of token ids (with &lt;s&gt; and &lt;/s&gt;, unpadded: <see cref="ServerState.Tokenize"/>).</summary>
    public Task<float[][]> EmbedTokens(IReadOnlyList<int[]> texts, CancellationToken cancel) =>
        Submit(texts.Select(t => new TextWork(t, cancel)).ToList());

    public Task<float[][]> EmbedAudio(IReadOnlyList<DecodedAudio> clips, CancellationToken cancel) =>
        Submit(clips.Select(c => new AudioWork(c, cancel)).ToList());

    /// <summary>Work that takes the model alone (a caption, an example search), in turn with the batches.</summary>
    public async Task<T> Exclusive<T>(Func<CacophonyModel, T> run, CancellationToken cancel) where T : class =>
        (T)(await Submit<object>([new ExclusiveWork(m => run(m), cancel)]))[0];

    async Task<T[]> Submit<T>(IReadOnlyList<Item<T>> items)
    {
        if (Interlocked.Add(ref _depth, items.Count) > _options.MaxQueue)
        {
            Interlocked.Add(ref _depth, -items.Count);
            _metrics.Rejected();
            throw new ApiException(429, $"the server is busy: {_options.MaxQueue} inputs are already waiting; retry shortly") { RetryAfter = 1 };
        }
        _metrics.QueueDepth(Depth);
        foreach (var item in items) _channel.Writer.TryWrite(item);
        var results = new T[items.Count];
        for (int i = 0; i < items.Count; i++) results[i] = await items[i].Result.Task.ConfigureAwait(false);
        return results;
    }

    void Loop()
    {
        var reader = _channel.Reader;
        var batch = new List<Work>();
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            var clock = Stopwatch.StartNew();
            while (batch.Count < _options.MaxBatch)
            {
                if (reader.TryRead(out var work))
                {
                    Take(batch, work);
                    continue;
                }
                // Waiting only helps when some request in flight has not queued its inputs yet; a lone client
                // would otherwise pay the whole window on every request.
                var left = _options.BatchWindow - clock.Elapsed;
                if (left <= TimeSpan.Zero || batch.Select(w => w.Cancel).Distinct().Count() >= _requestsInFlight()) break;
                using var wait = new CancellationTokenSource(left);
                try
                {
                    if (!reader.WaitToReadAsync(wait.Token).AsTask().GetAwaiter().GetResult()) break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            Run(batch);
        }
    }

    void Take(List<Work> batch, Work work)
    {
        Interlocked.Decrement(ref _depth);
        _metrics.QueueDepth(Depth);
        if (work.Cancel.IsCancellationRequested)
        {
            _metrics.Cancelled();
            work.Drop();
            return;
        }
        batch.Add(work);
    }

    void Run(List<Work> batch)
    {
        // Requests may have left during the batch window.
        batch.RemoveAll(work =>
        {
            if (!work.Cancel.IsCancellationRequested) return false;
            _metrics.Cancelled();
            work.Drop();
            return true;
        });
        if (batch.Count == 0) return;
        _metrics.Batch(batch.Count);
        var texts = batch.OfType<TextWork>().ToList();
        if (texts.Count > 0)
            Guard(texts, () =>
            {
                var encoded = _model.EncodeTokens(texts.Select(t => t.Tokens).ToList());
                for (int i = 0; i < texts.Count; i++) texts[i].Result.TrySetResult(encoded[i].Normalized);
            });
        foreach (var clips in batch.OfType<AudioWork>().Chunk(_options.MaxAudioBatch))
            Guard(clips, () =>
            {
                var encoded = _model.EncodeAudio(clips.Select(c => c.Audio).ToList(), SequencePolicy.ZeroShot);
                for (int i = 0; i < clips.Length; i++) clips[i].Result.TrySetResult(encoded[i].Normalized);
            });
        foreach (var exclusive in batch.OfType<ExclusiveWork>())
        {
            if (exclusive.Cancel.IsCancellationRequested)
            {
                _metrics.Cancelled();
                exclusive.Drop();
                continue;
            }
            Guard([exclusive], () => exclusive.Result.TrySetResult(exclusive.Run(_model)));
        }
    }

    static void Guard(IReadOnlyList<Work> items, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e)
        {
            foreach (var item in items) item.Fail(e);
        }
    }

    public void Dispose() => _channel.Writer.TryComplete();
}
