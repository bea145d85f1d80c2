using BenchmarkDotNet.Attributes;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// int8 against float32, ours and ONNX Runtime's (its dynamic int8 graph, <see cref="OnnxDynamicInt8"/>), on the same
/// full-size random weights: the audio encoder on a 10 s and a 30 s clip (unpadded patches) and the 50 ESC-50
/// prompts as one batch, at 1 and 2 threads. Each engine runs in a process of its own (BenchmarkDotNet's
/// default), so no other engine's threads share the cores; `--paired audio-int8` / `prompts-int8` alternate them.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class Int8PeerBenchmarks
{
    CacophonyModel? _ours;
    OrtEncoders? _ort;
    AudioPatches _patches = null!;
    List<int[]> _prompts = [];

    /// <summary>"audio 10", "audio 30" or "prompts".</summary>
    [Params("audio 10", "audio 30", "prompts")]
    public string Work = "";

    [Params(1, 2)]
    public int Threads;

    bool Audio => Work.StartsWith("audio", StringComparison.Ordinal);

    /// <summary>Prepares the four engines on the same weights and keeps the one the benchmark times (`--paired` checks their agreement).</summary>
    void Setup(bool ours, bool int8)
    {
        var (oursFloat, oursInt8, graph, graphInt8) = PeerSetup.LoadWithInt8(Threads, Audio ? "audio_encoder.onnx" : "text_encoder.onnx", Audio ? "audio" : "text");
        if (Audio)
        {
            int seconds = int.Parse(Work.Split(' ')[1]);
            _patches = oursFloat.FrontEnd.Process(BenchmarkInputs.Clip(seconds), 16000,
                new SequencePolicy { Padding = SequencePadding.Exact, Length = seconds <= 10 ? 500 : 1500 }).Patches;
        }
        else _prompts = TextEncoderPeerBenchmarks.GoldenPrompts().Take(50).ToList();
        if (ours)
        {
            _ours = int8 ? oursInt8 : oursFloat;
            (int8 ? oursFloat : oursInt8).Dispose();
            return;
        }
        oursInt8.Dispose();
        oursFloat.Dispose();
        var chosen = int8 ? graphInt8 : graph;
        _ort = Audio ? new OrtEncoders(chosen, null, Threads) : new OrtEncoders(null, chosen, Threads);
    }

    [GlobalSetup(Target = nameof(OursFloat32))]
    public void SetupOursFloat32() => Setup(ours: true, int8: false);

    [GlobalSetup(Target = nameof(OursInt8))]
    public void SetupOursInt8() => Setup(ours: true, int8: true);

    [GlobalSetup(Target = nameof(OrtFloat32))]
    public void SetupOrtFloat32() => Setup(ours: false, int8: false);

    [GlobalSetup(Target = nameof(OrtInt8))]
    public void SetupOrtInt8() => Setup(ours: false, int8: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours?.Dispose();
        _ort?.Dispose();
        Cacophony.Kernels.Cpu.WorkerPool.MaxThreads = Environment.ProcessorCount;
    }

    object Run(Func<object> audio, Func<object> text) => Audio ? audio() : text();

    [Benchmark(Baseline = true, Description = "ours float32")]
    public object OursFloat32() => Run(() => _ours!.EncodeAudio(_patches), () => _ours!.EncodeTokens(_prompts));

    [Benchmark(Description = "ours int8")]
    public object OursInt8() => Run(() => _ours!.EncodeAudio(_patches), () => _ours!.EncodeTokens(_prompts));

    [Benchmark(Description = "ORT float32")]
    public object OrtFloat32() => Run(() => _ort!.EmbedAudio([_patches]), () => _ort!.EmbedText(_prompts));

    [Benchmark(Description = "ORT int8")]
    public object OrtInt8() => Run(() => _ort!.EmbedAudio([_patches]), () => _ort!.EmbedText(_prompts));
}
