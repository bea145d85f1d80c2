using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cacophony.Model;
using Cacophony.Model.Layers;
using Cacophony.Serve;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Serve;

/// <summary>
/// A bounded load test of `cacophony serve` on localhost: `--serve-load [SECONDS] [RSS_REQUESTS]`. The full-size
/// network (random weights) behind a real Kestrel on a loopback port; 1, 8 and 32 concurrent clients send text
/// embeddings, then 5 s audio embeddings, each run stopping after SECONDS (default 20) or 2,000 requests; requests/s
/// and p50/p99 latency, against the same work done one input at a time in-process. Then RSS_REQUESTS (default
/// 10,000) more text requests at 8 clients, with the resident set size before and after.
/// </summary>
static class ServerLoad
{
    public static bool TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] != "--serve-load") return false;
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int rssRequests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;
        Run(seconds, rssRequests).GetAwaiter().GetResult();
        return true;
    }

    static async Task Run(double seconds, int rssRequests)
    {
        var config = StandardConfigs.Full with { Decoder = null };
        using var model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 0), tokenizer: Tokenizer());
        await using var server = await CacophonyServer.StartAsync(new ServerOptions { Model = model, Port = 0 });
        await server.Ready;
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
        Console.WriteLine($"// {Cacophony.Kernels.Cpu.Isa.Describe(Cacophony.Kernels.Cpu.Isa.Active)}, {Environment.ProcessorCount} cores; server at {server.Address}");

        string[] texts = Enumerable.Range(0, 64).Select(i => $"a dog barks {i} times while rain falls on a tin roof").ToArray();
        string clip = Convert.ToBase64String(BenchmarkInputs.Wav(BenchmarkInputs.Clip(5)));
        var workloads = new (string Name, Func<int, string> Body, Action<int> Alone)[]
        {
            ("text", i => $$"""{"input": "{{texts[i % texts.Length]}}"}""", i => model.EmbedText(texts[i % texts.Length])),
            ("audio 5 s", _ => $$"""{"input": [{"type": "audio", "data": "{{clip}}"}]}""", _ => model.EmbedAudio(BenchmarkInputs.Clip(5), 16000)),
        };
        Console.WriteLine("| work | clients | requests | requests/s | p50 | p99 | in-process, one at a time: requests/s | ratio |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (name, body, alone) in workloads)
        {
            double sequential = Sequential(alone, seconds / 2);
            foreach (int clients in new[] { 1, 8, 32 })
            {
                var (count, rate, p50, p99) = await Drive(client, body, clients, seconds, 2000);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {clients} | {count} | {rate:F1} | {p50:F0} ms | {p99:F0} ms | {sequential:F1} | {rate / sequential:F2}x |"));
            }
        }

        // What batching can give the audio encoder at all: eight clips in one call against one at a time, no HTTP.
        var clips = Enumerable.Range(0, 8).Select(_ => new Cacophony.Audio.DecodedAudio(BenchmarkInputs.Clip(5), 16000, 1, "PCM")).ToList();
        double one = Sequential(_ => model.EncodeAudio([clips[0]], Model.FrontEnd.SequencePolicy.ZeroShot), seconds / 2);
        double eight = 8 * Sequential(_ => model.EncodeAudio(clips, Model.FrontEnd.SequencePolicy.ZeroShot), seconds / 2);
        Console.WriteLine($"// in-process 5 s clips: {one:F2}/s one per call, {eight:F2}/s eight per call ({eight / one:F2}x)");

        // Memory: warm up, then many more requests; the resident set should not grow.
        await Drive(client, workloads[0].Body, 8, 600, 1000);
        long before = Rss();
        var (done, _, _, _) = await Drive(client, workloads[0].Body, 8, 3600, rssRequests);
        long after = Rss();
        Console.WriteLine($"// RSS after 1,000 warm-up requests {before / 1e6:F0} MB; after {done:N0} more {after / 1e6:F0} MB ({(after - before) / 1e6:+0;-0} MB)");
    }

    /// <summary>Work items per second done one after another on this thread, for about <paramref name="seconds"/>.</summary>
    static double Sequential(Action<int> work, double seconds)
    {
        for (int i = 0; i < 3; i++) work(i);
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (clock.Elapsed.TotalSeconds < seconds) work(n++);
        return n / clock.Elapsed.TotalSeconds;
    }

    /// <summary><paramref name="clients"/> loops sending requests until the time or the request budget is spent.</summary>
    static async Task<(int Count, double Rate, double P50, double P99)> Drive(HttpClient client, Func<int, string> body, int clients, double seconds, int budget)
    {
        var latencies = new List<double>[clients];
        int issued = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            latencies[c] = [];
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                int i = Interlocked.Increment(ref issued) - 1;
                if (i >= budget) break;
                var started = clock.Elapsed;
                using var response = await client.PostAsync("/v1/embeddings", new StringContent(body(i), Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
                latencies[c].Add((clock.Elapsed - started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all.Length, all.Length / clock.Elapsed.TotalSeconds, all[all.Length / 2], all[Math.Min(all.Length - 1, (int)Math.Ceiling(all.Length * 0.99) - 1)]);
    }

    static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    /// <summary>roberta-base's tokenizer from $CACOPHONY_TOKENIZER_DIR, ../shared/tokenizer or the Hugging Face cache (the text workload needs one).</summary>
    static Model.Text.RobertaTokenizer Tokenizer()
    {
        string? shared = null;
        for (var at = new DirectoryInfo(AppContext.BaseDirectory); shared is null && at is not null; at = at.Parent)
            if (Directory.Exists(Path.Combine(at.FullName, "..", "shared", "tokenizer", "roberta-base"))) shared = Path.Combine(at.FullName, "..", "shared", "tokenizer", "roberta-base");
        string given = Environment.GetEnvironmentVariable("CACOPHONY_TOKENIZER_DIR") ?? shared ?? "";
        string directory = TokenizerFiles.Locate(given.Length > 0 ? given : null) ?? throw new InvalidOperationException(TokenizerFiles.NotFound(given.Length > 0 ? given : null));
        return new Model.Text.RobertaTokenizer(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
    }
}
