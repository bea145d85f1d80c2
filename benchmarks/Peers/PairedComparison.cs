using System.Diagnostics;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Microsoft.ML.OnnxRuntime;
using Cpu = Cacophony.Kernels.Cpu;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// `--paired audio SECONDS THREADS`, `--paired caption THREADS`, `--paired prompts THREADS` or `--paired gemm MxKxN THREADS`: ours and
/// ONNX Runtime alternated run by run on the same weights and input (21 pairs after 3 warm-ups each, a 300 ms pause after every run so
/// that ORT's spinning threads are idle before ours starts), medians and the ratio of medians. On a shared
/// VM whose speed drifts by 10-20% within minutes, BenchmarkDotNet's back-to-back blocks (all of ours, then
/// all of ORT's) can put the drift into the ratio; alternation spreads it evenly. A cross-check of the
/// BenchmarkDotNet tables, not a replacement: docs/PERFORMANCE.md reports both. PAIRED_RAW=1 prints every
/// time, to tell a steady gap from a few slow runs.
/// </summary>
static class PairedComparison
{
    const int Pairs = 21, WarmUps = 3, PauseMs = 300;

    public static bool TryRun(string[] args)
    {
        if (args.Length < 2 || args[0] != "--paired") return false;
        switch (args[1])
        {
            case "audio" when args.Length == 4: Audio(int.Parse(args[2]), int.Parse(args[3])); break;
            case "caption" when args.Length == 3: Caption(int.Parse(args[2])); break;
            case "prompts" when args.Length == 3: Prompts(int.Parse(args[2])); break;
            case "gemm" when args.Length == 4: Gemm(args[2], int.Parse(args[3])); break;
            case "audio-int8" when args.Length == 4: AudioInt8(int.Parse(args[2]), int.Parse(args[3])); break;
            case "prompts-int8" when args.Length == 3: PromptsInt8(int.Parse(args[2])); break;
            default:
                throw new ArgumentException("usage: --paired audio SECONDS THREADS | --paired caption THREADS | --paired prompts THREADS | --paired gemm MxKxN THREADS"
                + " | --paired audio-int8 SECONDS THREADS | --paired prompts-int8 THREADS");
        }
        return true;
    }

    static void Audio(int seconds, int threads)
    {
        var (ours, graph) = PeerSetup.Load(threads, "audio_encoder.onnx", "audio");
        using var ort = new OrtEncoders(graph, null, threads);
        var samples = BenchmarkInputs.Clip(seconds);
        var exact = new SequencePolicy { Padding = SequencePadding.Exact, Length = seconds <= 10 ? 500 : 1500 };
        var patches = ours.FrontEnd.Process(samples, 16000, exact).Patches;
        PeerSetup.CheckAgreement($"{seconds} s ({patches.RealCount} patches)", ours.EncodeAudio(patches).Normalized, ort.EmbedAudio([patches]));
        Compare($"audio {seconds} s ({patches.RealCount} patches, unpadded), {threads} thread(s)", () => ours.EncodeAudio(patches), () => ort.EmbedAudio([patches]));
        PeerSetup.Release(ours, ort);
    }

    static void Caption(int threads)
    {
        var (ours, graph) = PeerSetup.Load(threads, "text_encoder.onnx", "text");
        using var ort = new OrtEncoders(null, graph, threads);
        int[] caption = BenchmarkInputs.Caption();
        PeerSetup.CheckAgreement("caption", ours.EncodeTokens(caption).Normalized, ort.EmbedText([caption]));
        Compare($"text: 1 caption of 100 tokens, {threads} thread(s)", () => ours.EncodeTokens(caption), () => ort.EmbedText([caption]));
        PeerSetup.Release(ours, ort);
    }

    /// <summary>The 50 ESC-50 zero-shot prompts as one batch, as tokenized (ORT pads them to the longest).</summary>
    static void Prompts(int threads)
    {
        var (ours, graph) = PeerSetup.Load(threads, "text_encoder.onnx", "text");
        using var ort = new OrtEncoders(null, graph, threads);
        var prompts = TextEncoderPeerBenchmarks.GoldenPrompts().Take(50).ToList();
        PeerSetup.CheckAgreement("50 prompts", ours.EncodeTokens(prompts).SelectMany(e => e.Normalized).ToArray(), ort.EmbedText(prompts));
        Compare($"text: 50 zero-shot prompts as tokenized, {threads} thread(s)", () => ours.EncodeTokens(prompts), () => ort.EmbedText(prompts));
        PeerSetup.Release(ours, ort);
    }

    /// <summary>
    /// Four engines alternated on one clip: ours in float32 and int8, ONNX Runtime in float32 and in its dynamic
    /// int8 form; the int8 engines' cosine to our float32 embedding is printed first.
    /// </summary>
    static void AudioInt8(int seconds, int threads)
    {
        var (ours, oursInt8, graph, graphInt8) = PeerSetup.LoadWithInt8(threads, "audio_encoder.onnx", "audio");
        using var ort = new OrtEncoders(graph, null, threads);
        using var ortInt8 = new OrtEncoders(graphInt8, null, threads);
        var exact = new SequencePolicy { Padding = SequencePadding.Exact, Length = seconds <= 10 ? 500 : 1500 };
        var patches = ours.FrontEnd.Process(BenchmarkInputs.Clip(seconds), 16000, exact).Patches;
        var reference = ours.EncodeAudio(patches).Normalized;
        PeerSetup.CheckAgreement($"{seconds} s, float32", reference, ort.EmbedAudio([patches]));
        Console.WriteLine($"// cosine to our float32 embedding: ours int8 {PeerSetup.LowestCosine(reference, oursInt8.EncodeAudio(patches).Normalized, reference.Length):F6}, "
            + $"ONNX Runtime int8 {PeerSetup.LowestCosine(reference, ortInt8.EmbedAudio([patches]), reference.Length):F6}");
        CompareAll($"audio {seconds} s ({patches.RealCount} patches, unpadded), {threads} thread(s)",
        [
            ("ours float32", () => ours.EncodeAudio(patches)),
            ("ours int8", () => oursInt8.EncodeAudio(patches)),
            ("ORT float32", () => ort.EmbedAudio([patches])),
            ("ORT int8", () => ortInt8.EmbedAudio([patches])),
        ]);
        oursInt8.Dispose();
        ortInt8.Dispose();
        PeerSetup.Release(ours, ort);
    }

    /// <summary>The 50 ESC-50 prompts as one batch, the four engines of <see cref="AudioInt8"/> alternated.</summary>
    static void PromptsInt8(int threads)
    {
        var (ours, oursInt8, graph, graphInt8) = PeerSetup.LoadWithInt8(threads, "text_encoder.onnx", "text");
        using var ort = new OrtEncoders(null, graph, threads);
        using var ortInt8 = new OrtEncoders(null, graphInt8, threads);
        var prompts = TextEncoderPeerBenchmarks.GoldenPrompts().Take(50).ToList();
        var reference = ours.EncodeTokens(prompts).SelectMany(e => e.Normalized).ToArray();
        int width = reference.Length / prompts.Count;
        PeerSetup.CheckAgreement("50 prompts, float32", reference, ort.EmbedText(prompts));
        Console.WriteLine($"// lowest cosine to our float32 embeddings: ours int8 {PeerSetup.LowestCosine(reference, oursInt8.EncodeTokens(prompts).SelectMany(e => e.Normalized).ToArray(), width):F6}, "
            + $"ONNX Runtime int8 {PeerSetup.LowestCosine(reference, ortInt8.EmbedText(prompts), width):F6}");
        CompareAll($"text: 50 zero-shot prompts as tokenized, {threads} thread(s)",
        [
            ("ours float32", () => ours.EncodeTokens(prompts)),
            ("ours int8", () => oursInt8.EncodeTokens(prompts)),
            ("ORT float32", () => ort.EmbedText(prompts)),
            ("ORT int8", () => ortInt8.EmbedText(prompts)),
        ]);
        oursInt8.Dispose();
        ortInt8.Dispose();
        PeerSetup.Release(ours, ort);
    }

    /// <summary>Several engines run in turn, round after round; medians, and each engine's time over the first's.</summary>
    static void CompareAll(string what, (string Name, Action Run)[] engines)
    {
        for (int i = 0; i < WarmUps; i++)
            foreach (var engine in engines) engine.Run();
        var times = engines.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < Pairs; i++)
            for (int e = 0; e < engines.Length; e++) times[e].Add(Time(engines[e].Run));
        var medians = times.Select(Median).ToArray();
        Console.WriteLine($"{what}, {Pairs} alternated rounds:");
        for (int e = 0; e < engines.Length; e++)
            Console.WriteLine($"  {engines[e].Name,-14} median {medians[e],8:F1} ms (min {times[e].Min():F1}); {medians[0] / medians[e]:F2}x {engines[0].Name}");
    }

    /// <summary>
    /// One GEMM shape, ours against ONNX Runtime's MatMul (B pre-packed), cycling through 12 different B
    /// matrices as a forward pass does (a layer's weights are not in cache when its products start).
    /// </summary>
    static void Gemm(string shape, int threads)
    {
        var dims = shape.Split('x').Select(int.Parse).ToArray();
        int m = dims[0], k = dims[1], n = dims[2];
        const int Matrices = 12;
        Cpu.WorkerPool.MaxThreads = threads;
        var random = new Random(0);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var weights = Enumerable.Range(0, Matrices).Select(_ => Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var ours = weights.Select(b => new Cpu.PackedMatrix(b, k, n)).ToArray();
        if (threads > 1)
        {
            // Twelve sessions with their own intra-op pools put twelve spinning threads on two cores (ORT measured
            // 25 GFLOP/s that way): one global pool instead, as an application holding several models would use.
            var environment = new EnvironmentCreationOptions { threadOptions = new OrtThreadingOptions { GlobalIntraOpNumThreads = threads, GlobalInterOpNumThreads = 1 } };
            OrtEnv.CreateInstanceWithOptions(ref environment); // before any other ORT object, or it is refused
        }
        var options = OrtEncoders.Options(threads);
        if (threads > 1) options.DisablePerSessionThreads();
        var sessions = weights.Select(b => new InferenceSession(OnnxMatMulGraph.Create(m, k, n, b), options)).ToArray();
        var c = new float[m * n];
        var peerC = new float[m * n];
        using var input = OrtValue.CreateTensorValueFromMemory(a, [m, k]);
        using var output = OrtValue.CreateTensorValueFromMemory(peerC, [m, n]);
        using var runOptions = new RunOptions();
        Cpu.Gemm.Multiply(a, m, ours[0], [], c);
        sessions[0].Run(runOptions, ["A"], [input], ["Y"], [output]);
        double worst = c.Select((v, i) => Math.Abs(v - peerC[i]) / Math.Max(1, Math.Abs(peerC[i]))).Max();
        if (worst > 1e-4) throw new InvalidOperationException($"ours and ONNX Runtime differ by {worst:E2} (relative)");
        double flop = 2.0 * m * k * n * Matrices;
        Compare($"GEMM {shape} x {Matrices} weight matrices, {threads} thread(s)", () =>
        {
            foreach (var b in ours) Cpu.Gemm.Multiply(a, m, b, [], c);
        }, () =>
        {
            foreach (var session in sessions) session.Run(runOptions, ["A"], [input], ["Y"], [output]);
        }, flop);
        foreach (var session in sessions) session.Dispose();
        Cpu.WorkerPool.MaxThreads = Environment.ProcessorCount;
    }

    static void Compare(string what, Action ours, Action peer, double flop = 0)
    {
        for (int i = 0; i < WarmUps; i++)
        {
            ours();
            peer();
        }
        var (oursMs, peerMs) = (new List<double>(), new List<double>());
        for (int i = 0; i < Pairs; i++)
        {
            oursMs.Add(Time(ours));
            peerMs.Add(Time(peer));
        }
        double oursMedian = Median(oursMs), peerMedian = Median(peerMs);
        if (Environment.GetEnvironmentVariable("PAIRED_RAW") == "1")
        {
            Console.WriteLine("ours: " + string.Join(" ", oursMs.Select(x => x.ToString("F0"))));
            Console.WriteLine("ort:  " + string.Join(" ", peerMs.Select(x => x.ToString("F0"))));
        }
        string rate(double ms) => flop > 0 ? $" = {flop / ms / 1e6:F1} GFLOP/s" : "";
        Console.WriteLine($"{what}: ours median {oursMedian:F1} ms{rate(oursMedian)} (min {oursMs.Min():F1}), ONNX Runtime median {peerMedian:F1} ms{rate(peerMedian)} (min {peerMs.Min():F1}); ORT / ours = {peerMedian / oursMedian:F2}x ({Pairs} alternated pairs)");
    }

    static double Time(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        double ms = clock.Elapsed.TotalMilliseconds;
        Thread.Sleep(PauseMs);
        return ms;
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
