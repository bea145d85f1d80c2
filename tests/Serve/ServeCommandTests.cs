using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Serve;

/// <summary>`cacophony serve` as a process: SIGTERM lets the request in flight finish, then the server exits 0; a bad start is one line and exit 2.</summary>
public class ServeCommandTests : TinyModelCliFixture
{
    sealed class ServerProcess : IDisposable
    {
        readonly Process _process;
        readonly BlockingCollection<string> _lines = [];
        public StringBuilder Stderr { get; } = new();

        public ServerProcess(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "cacophony.dll"));
            foreach (var arg in args) start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
            _ = _process.StandardOutput.ReadToEndAsync();
            _ = Task.Run(() =>
            {
                for (string? line; (line = _process.StandardError.ReadLine()) is not null;)
                {
                    lock (Stderr) Stderr.AppendLine(line);
                    _lines.Add(line);
                }
                _lines.CompleteAdding();
            });
        }

        public Process Process => _process;

        /// <summary>The first stderr line that starts with <paramref name="prefix"/>.</summary>
        public string WaitFor(string prefix, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
                if (_lines.TryTake(out var line, 100) && line.StartsWith(prefix, StringComparison.Ordinal)) return line;
            Assert.Fail($"no \"{prefix}\" on stderr within {timeout.TotalSeconds} s:\n{Stderr}");
            return "";
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }

    static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    [Test]
    public async Task SigtermDrainsTheRequestInFlightAndExitsZero()
    {
        using var server = new ServerProcess("serve", "--model", ModelDirectory, "--port", "0");
        string listening = server.WaitFor("listening on ", TimeSpan.FromSeconds(60));
        var address = new Uri(listening.Split(' ')[2]);
        server.WaitFor("ready:", TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        using (var warm = await client.PostAsync("/v1/embeddings", new StringContent("""{"input": "warm up"}""", Encoding.UTF8, "application/json")))
            Assert.That((int)warm.StatusCode, Is.EqualTo(200));
        // A slow upload: half the body now, the rest after two seconds; the signal arrives in between.
        var body = new SlowContent("""{"input": "Hello world"}""", TimeSpan.FromSeconds(2));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var clock = Stopwatch.StartNew();
        var inFlight = client.PostAsync("/v1/embeddings", body);
        await body.FirstPartSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        Assert.That(inFlight.IsCompleted, Is.False, "the request is still being uploaded");
        Terminate(server.Process);
        using var response = await inFlight;
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1.9)), "answered after its upload, not cut short");
        var golden = Golden.Floats("text_main", "text_embedding").AsSpan(2 * 32, 32).ToArray();
        using (var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            var vector = answer.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
            Assert.That(vector.Zip(golden, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-5));
        }
        Assert.That(server.Process.WaitForExit(30_000), Is.True, "exits after draining");
        Assert.That(server.Process.ExitCode, Is.Zero, server.Stderr.ToString());
        Assert.That(server.Stderr.ToString(), Does.Contain("stopped: every request in flight was answered"));
        Assert.CatchAsync<HttpRequestException>(() => client.GetAsync("/healthz"), "nothing listens any more");
    }

    [Test]
    public void AServerThatCannotStartSaysWhyInOneLine()
    {
        var missing = ToolRunner.Run("cacophony", "serve", "--model", Temp.File("no-such-model"), "--port", "0");
        Assert.That(missing.ExitCode, Is.EqualTo(2));
        Assert.That(missing.Stderr.Trim(), Does.StartWith("error: ").And.Contain("model directory not found"));
        Assert.That(missing.Stderr, Does.Not.Contain("   at "));

        var busy = ToolRunner.Run("cacophony", "serve", "--model", ModelDirectory, "--port", "0", "--max-batch", "0");
        Assert.That((busy.ExitCode, busy.Stderr.Trim().Split('\n')[^1]), Is.EqualTo((2, "error: --max-batch must be at least 1, not 0")));
    }
}
