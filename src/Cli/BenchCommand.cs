using System.CommandLine;
using System.Diagnostics;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony bench</c>: the full-size network (12 + 12 layers, 768 wide) on random weights made in
/// memory, on a built-in clip and texts: per-stage milliseconds (median of the runs after two warm-ups, with
/// the fastest and slowest), GFLOP/s, threads and the instruction set; a warning when other processes loaded
/// the CPU during the run, and a one-line summary. Nothing is read from disk or downloaded. On a GPU it first
/// checks the device against the CPU engine on the same weights (embeddings within 1e-4, or exit 1), so
/// that a machine without the .NET SDK (only this published command) can run the full-size parity check.
/// </summary>
static class BenchCommand
{
    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "length of the built-in clip (10 s: the zero-shot setting; 30 s: retrieval)", DefaultValueFactory = _ => 10 };
        var runs = new Option<int>("--runs") { Description = "timed runs per stage (after two warm-ups)", DefaultValueFactory = _ => 3 };
        var device = new Option<string>("--device") { Description = "cpu (default), auto, cuda or opencl: where the network runs", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda", "opencl");
        var gpuWeights = new Option<string>("--gpu-weights") { Description = "fp32 or fp16: how weight matrices are stored on a GPU", DefaultValueFactory = _ => "fp32" };
        gpuWeights.AcceptOnlyFromAmong("fp32", "fp16");
        var precision = new Option<string>("--precision") { Description = "fp32, or int8: the CPU engine's dense layers as int8 products", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "int8");
        var audioBatch = new Option<int>("--audio-batch") { Description = "also time this many clips encoded together (e.g. 32)", DefaultValueFactory = _ => 1 };
        var textBatch = new Option<int>("--text-batch") { Description = "prompts in the batched text stage", DefaultValueFactory = _ => 50 };
        var command = new Command("bench", "Time the full-size network on synthetic weights: per stage, with GFLOP/s.") { seconds, runs, device, gpuWeights, precision, audioBatch, textBatch };
        command.SetAction(parse => Errors.Guard(() => Run(Math.Max(1, parse.GetValue(seconds)), Math.Max(1, parse.GetValue(runs)), parse.GetValue(device)!,
            parse.GetValue(precision) == "int8" ? WeightPrecision.Int8 : parse.GetValue(gpuWeights) == "fp16" ? WeightPrecision.Float16 : WeightPrecision.Float32,
            Math.Max(1, parse.GetValue(audioBatch)), Math.Max(1, parse.GetValue(textBatch)))));
        return command;
    }

    /// <summary>Largest difference allowed between a device's normalized embeddings and the CPU engine's (1e-4, the bar a GPU is held to; fp16 weights are looser).</summary>
    const double ParityTolerance = 1e-4, HalfWeightsTolerance = 1e-3;

    static int Run(int seconds, int runs, string deviceName, WeightPrecision precision, int audioBatch, int textBatch)
    {
        bool halfWeights = precision == WeightPrecision.Float16;
        var options = new ModelOptions { Device = ModelOption.DeviceNamed(deviceName), Precision = precision };
        var config = StandardConfigs.Full with { Decoder = null };
        Console.WriteLine($"cacophony bench: full-size Cacophony (audio {config.Audio.NumLayers}x{config.Audio.HiddenSize}, text {config.Text!.NumHiddenLayers}x{config.Text.HiddenSize}), synthetic weights");
        Console.WriteLine($"instruction set: {Isa.Describe(Isa.Active)}; threads: {Environment.ProcessorCount}; {Environment.OSVersion}; .NET {Environment.Version}");

        var clock = Stopwatch.StartNew();
        using var model = CacophonyModel.FromWeights(config, new SyntheticWeights(config), options);
        model.WarmUp();
        bool onCpu = model.Device.StartsWith("CPU engine", StringComparison.Ordinal);
        Console.WriteLine($"device: {model.Device}; weights made and {(onCpu ? "packed" : "uploaded")} in {clock.ElapsedMilliseconds} ms");

        const int rate = 44100;
        var samples = new float[rate * seconds];
        var random = new Random(0);
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / rate) + 0.05 * (random.NextDouble() - 0.5));
        var policy = seconds <= 10 ? SequencePolicy.ZeroShot : SequencePolicy.RetrievalAndCaptioning;

        var features = model.FrontEnd.Process(samples, rate, policy);
        int s = features.Patches.RealCount;
        int[] prompt = [0, 713, 16, 10, 2369, 9, 2335, 2];                        // "This is a sound of dog"
        int[] caption = [0, .. Enumerable.Range(0, 98).Select(i => 1000 + 37 * i), 2]; // a 100-token caption

        var prompts = Enumerable.Range(0, textBatch).Select(i => prompt.Take(6).Concat([2335 + i % 1000, 2]).ToArray()).ToList();
        bool parity = onCpu || ParityHolds(config, model, features.Patches, [prompt, caption], halfWeights ? HalfWeightsTolerance : ParityTolerance);

        Console.WriteLine();
        Console.WriteLine($"each stage: two warm-up runs, then {runs} timed; ms is the median of the {runs}, with the fastest and slowest");
        Console.WriteLine($"{"stage",-44} {"median ms",10} {"min-max ms",17} {"GFLOP",8} {"GFLOP/s",9}");
        var load = new OtherLoad();
        Report($"front end: {seconds} s at 44.1 kHz -> {s} patches", runs, 0, () => model.FrontEnd.Process(samples, rate, policy));
        Report($"audio encoder + pool ({s} patches)", runs, AudioFlops(config, s), () => model.EncodeAudio(features.Patches));
        double clip = Report($"samples -> embedding (front end included)", runs, AudioFlops(config, s), () => model.EmbedAudio(samples, rate, policy));
        double single = Report($"text encoder + pool, prompt ({prompt.Length} tokens)", runs, TextFlops(config, prompt.Length), () => model.EncodeTokens(prompt));
        Report($"text encoder + pool, caption ({caption.Length} tokens)", runs, TextFlops(config, caption.Length), () => model.EncodeTokens(caption));
        double batched = Report($"text encoder + pool, {textBatch} prompts batched", runs, textBatch * TextFlops(config, prompts[0].Length), () => model.EncodeTokens(prompts));
        if (audioBatch > 1)
        {
            var clips = Enumerable.Repeat(features.Patches, audioBatch).ToList();
            Report($"audio encoder + pool, {audioBatch} clips batched", runs, audioBatch * AudioFlops(config, s), () => model.EncodeAudio(clips));
        }
        Console.WriteLine();
        if (load.Fraction() is double other && other > BusyWarning)
            Console.WriteLine($"warning: other processes used {other:P0} of this machine's {Environment.ProcessorCount} cores during the run; these times are slower than it can do (rerun on a quiet machine)");
        Console.WriteLine($"summary: a {seconds} s clip embeds in {clip:F0} ms ({seconds * 1000 / clip:F0}x real time), a prompt in {single:F1} ms, " +
            $"{textBatch} prompts in {batched:F0} ms ({textBatch * 1000 / batched:F0} prompts/s); {model.Device}" + (onCpu ? "" : parity ? "; parity with the CPU engine holds" : "; PARITY WITH THE CPU ENGINE FAILS"));
        return parity ? 0 : 1;
    }

    /// <summary>Other processes' share of the cores above which the timings are flagged.</summary>
    const double BusyWarning = 0.10;

    /// <summary>The device's embeddings against the CPU engine's on the same synthetic weights (seed 0).</summary>
    static bool ParityHolds(ModelConfig config, CacophonyModel device, AudioPatches patches, IReadOnlyList<int[]> texts, double tolerance)
    {
        using var cpu = CacophonyModel.FromWeights(config, new SyntheticWeights(config));
        var (deviceAudio, cpuAudio) = (device.EncodeAudio(patches), cpu.EncodeAudio(patches));
        // The embeddings are held to the tolerance; the hidden states (values of order 1-10) are reported.
        var comparisons = new List<(string What, float[] Device, float[] Cpu, bool Held)>
        {
            ($"audio embedding ({patches.RealCount} patches)", deviceAudio.Normalized, cpuAudio.Normalized, true),
            ("audio hidden states", deviceAudio.Hidden, cpuAudio.Hidden, false),
        };
        foreach (var ids in texts)
            comparisons.Add(($"text embedding ({ids.Length} tokens)", device.EncodeTokens(ids).Normalized, cpu.EncodeTokens(ids).Normalized, true));
        bool holds = true;
        foreach (var (what, onDevice, onCpu, held) in comparisons)
        {
            // A NaN counts as an infinite difference.
            double worst = onDevice.Select((v, i) => Math.Abs((double)v - onCpu[i]) is var d && double.IsNaN(d) ? double.PositiveInfinity : d).Max();
            double scale = onCpu.Max(v => Math.Abs((double)v));
            bool ok = !held || worst <= tolerance;
            holds &= ok;
            string verdict = !held ? "" : ok ? "ok" : $"FAILS (> {tolerance:E0})";
            Console.WriteLine($"parity with the CPU engine, {what,-32} max-abs {worst:E2} (largest value {scale:G3}) {verdict}");
        }
        return holds;
    }

    /// <summary>Times a stage and prints its row; returns the median in ms.</summary>
    static double Report(string stage, int runs, double flops, Action action)
    {
        // Two warm-ups: the first call runs tier-0 code while the JIT recompiles the hot loops in the background.
        action();
        action();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[r] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        double median = times[runs / 2];
        string rate = flops > 0 ? $"{flops / 1e9,8:F1} {flops / 1e6 / median,9:F1}" : $"{"",8} {"",9}";
        Console.WriteLine($"{stage,-44} {median,10:F1} {$"{times[0]:F1}-{times[^1]:F1}",17} {rate}");
        return median;
    }

    /// <summary>Multiply-adds x 2 of the audio tower at S patches: patch embedding, per layer q/k/v/out, the MLP, QK^T and PV, then the pool.</summary>
    static double AudioFlops(ModelConfig c, int s)
    {
        double h = c.Audio.HiddenSize, i = c.Audio.IntermediateSize;
        double layer = 2 * s * h * h * 4 + 2 * s * h * i * 2 + 2.0 * s * s * h * 2;
        return 2 * s * c.Audio.PatchSize * h + c.Audio.NumLayers * layer + 2 * s * h * 2 * h + 2 * h * c.ProjectionSize;
    }

    static double TextFlops(ModelConfig c, int l)
    {
        double t = c.Text!.HiddenSize, i = c.Text.IntermediateSize;
        double layer = 2 * l * t * t * 4 + 2 * l * t * i * 2 + 2.0 * l * l * t; // causal: half the score matrix
        return c.Text.NumHiddenLayers * layer + 2 * l * t * t * 2 + 2 * t * c.ProjectionSize;
    }
}
