using System.Text.Json;
using Cacophony.Model.FrontEnd;
using Microsoft.ML.OnnxRuntime;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// `--ort-profile audio SECONDS THREADS` or `--ort-profile caption THREADS`: where ONNX Runtime spends its
/// time on our weights, summed by operator type and input shapes over 10 runs after 3 warm-ups (its own profiler's kernel
/// times), to set beside ours when asking which part of the gap is matrix products and which is the rest.
/// </summary>
static class OrtProfile
{
    const int Runs = 10, WarmUps = 3;

    public static bool TryRun(string[] args)
    {
        if (args.Length < 2 || args[0] != "--ort-profile") return false;
        switch (args[1])
        {
            case "audio" when args.Length == 4:
            {
                int seconds = int.Parse(args[2]), threads = int.Parse(args[3]);
                var graph = PeerSetup.Graph("audio_encoder.onnx", "audio");
                var exact = new SequencePolicy { Padding = SequencePadding.Exact, Length = seconds <= 10 ? 500 : 1500 };
                var patches = new AudioFrontEnd(PeerSetup.Config.Preprocessing).Process(BenchmarkInputs.Clip(seconds), 16000, exact).Patches;
                Profile($"audio {seconds} s ({patches.RealCount} patches), {threads} thread(s)", graph, null, threads, ort => ort.EmbedAudio([patches]));
                break;
            }
            case "caption" when args.Length == 3:
            {
                int threads = int.Parse(args[2]);
                var graph = PeerSetup.Graph("text_encoder.onnx", "text");
                int[] caption = BenchmarkInputs.Caption();
                Profile($"1 caption of 100 tokens, {threads} thread(s)", null, graph, threads, ort => ort.EmbedText([caption]));
                break;
            }
            default: throw new ArgumentException("usage: --ort-profile audio SECONDS THREADS | --ort-profile caption THREADS");
        }
        return true;
    }

    static void Profile(string what, byte[]? audio, byte[]? text, int threads, Action<OrtEncoders> run)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"ort-profile-{Environment.ProcessId}");
        string file;
        using (var ort = new OrtEncoders(audio, text, threads, profilePrefix: prefix))
        {
            for (int i = 0; i < WarmUps + Runs; i++) run(ort);
            file = ort.EndProfiling();
        }
        // Kernel events: {"cat":"Node","name":"<node>_kernel_time","dur":<us>,"args":{"op_name":...}}.
        var byOp = new Dictionary<string, double>();
        using (var json = JsonDocument.Parse(File.ReadAllText(file)))
        {
            var kernels = json.RootElement.EnumerateArray()
                .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time"))
                .ToList();
            // The first WarmUps runs' events come first; keep the last Runs runs' share.
            int perRun = kernels.Count / (WarmUps + Runs);
            foreach (var e in kernels.Skip(perRun * WarmUps))
            {
                var node = e.GetProperty("args");
                string op = node.GetProperty("op_name").GetString()!
                    + (node.TryGetProperty("input_type_shape", out var shapes) ? " " + shapes.GetRawText() : "");
                byOp[op] = byOp.GetValueOrDefault(op) + e.GetProperty("dur").GetDouble() / 1000 / Runs;
            }
        }
        File.Delete(file);
        double total = byOp.Values.Sum();
        Console.WriteLine($"ONNX Runtime, {what}: {total:F1} ms of kernels per run");
        foreach (var (op, ms) in byOp.OrderByDescending(p => p.Value))
            if (ms >= 0.005 * total) Console.WriteLine($"  {ms,8:F2} ms  {100 * ms / total,5:F1}%  {op}");
    }
}
