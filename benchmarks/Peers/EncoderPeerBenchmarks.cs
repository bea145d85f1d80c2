using BenchmarkDotNet.Attributes;
using Cacophony.Benchmarks.Peers;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// The audio encoder end to end, ours against ONNX Runtime on the same full-size random weights (std 0.02),
/// at 1 and 2 threads, for 5, 10 and 30 s clips. Ours runs from samples (front end included) and from
/// patches; ORT runs from the same patches, padded as the original (500 / 1500) and unpadded. Setup
/// checks that both give the same embedding before anything is timed.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class AudioEncoderPeerBenchmarks
{
    CacophonyModel _ours = null!;
    OrtEncoders _ort = null!;
    float[] _samples = [];
    AudioPatches _exact = null!;
    AudioPatches _padded = null!;

    [ParamsSource(nameof(SecondsValues))]
    public int Seconds;

    /// <summary>5, 10 and 30 s, or the lengths listed in CACOPHONY_PEER_SECONDS (e.g. "30") to re-run some rows.</summary>
    public static IEnumerable<int> SecondsValues =>
        Environment.GetEnvironmentVariable("CACOPHONY_PEER_SECONDS") is { Length: > 0 } list ? list.Split(',').Select(int.Parse) : [5, 10, 30];

    [Params(1, 2)]
    public int Threads;

    /// <summary>
    /// Our rows run with ONNX Runtime's session closed after the agreement check: its intra-op threads spin
    /// after each run and, on a 2-core machine, took the second core from ours (the 2-thread 100-token caption
    /// row of ours measured 201 ms with the idle session open, 160 ms with it closed; docs/PERFORMANCE.md).
    /// </summary>
    [GlobalSetup(Targets = [nameof(OursFromSamples), nameof(OursFromPatches)])]
    public void SetupOurs()
    {
        Setup();
        _ort.Dispose();
    }

    [GlobalSetup(Targets = [nameof(OrtPadded), nameof(OrtUnpadded)])]
    public void Setup()
    {
        (_ours, var audioGraph) = PeerSetup.Load(Threads, "audio_encoder.onnx", "audio");
        _ort = new OrtEncoders(audioGraph, null, Threads);

        _samples = BenchmarkInputs.Clip(Seconds);
        _exact = _ours.FrontEnd.Process(_samples, 16000, Exact).Patches;
        _padded = _ours.FrontEnd.Process(_samples, 16000, Exact with { Padding = SequencePadding.Pad }).Patches;
        PeerSetup.CheckAgreement($"{Seconds} s ({_exact.RealCount} patches)", _ours.EncodeAudio(_exact).Normalized, _ort.EmbedAudio([_padded]));
    }

    /// <summary>The original's sequence length for the clip (500 for up to 10 s, 1500 beyond), without padding.</summary>
    SequencePolicy Exact => new() { Padding = SequencePadding.Exact, Length = Seconds <= 10 ? 500 : 1500 };

    [GlobalCleanup]
    public void Cleanup() => PeerSetup.Release(_ours, _ort);

    [Benchmark(Description = "ours: samples -> embedding")]
    public float[] OursFromSamples() => _ours.EmbedAudio(_samples, 16000, Exact);

    [Benchmark(Description = "ours: patches -> embedding")]
    public float[] OursFromPatches() => _ours.EncodeAudio(_exact).Normalized;

    [Benchmark(Baseline = true, Description = "ORT: padded patches -> embedding")]
    public float[] OrtPadded() => _ort.EmbedAudio([_padded]);

    [Benchmark(Description = "ORT: unpadded patches -> embedding")]
    public float[] OrtUnpadded() => _ort.EmbedAudio([_exact]);
}

/// <summary>
/// The text encoder, ours against ONNX Runtime: the 50 ESC-50 zero-shot prompts (ids from the tokenizer
/// golden cases, lengths as tokenized, ORT padded to the longest) and one 100-token caption.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class TextEncoderPeerBenchmarks
{
    CacophonyModel _ours = null!;
    OrtEncoders _ort = null!;
    List<int[]> _prompts = [];
    int[] _caption = [];

    [Params(1, 2)]
    public int Threads;

    /// <summary>Our rows run with ONNX Runtime's session closed after the agreement check (see the audio benchmark).</summary>
    [GlobalSetup(Targets = [nameof(OursPrompts), nameof(OursCaption)])]
    public void SetupOurs()
    {
        Setup();
        _ort.Dispose();
    }

    [GlobalSetup(Targets = [nameof(OrtPrompts), nameof(OrtCaption)])]
    public void Setup()
    {
        (_ours, var textGraph) = PeerSetup.Load(Threads, "text_encoder.onnx", "text");
        _ort = new OrtEncoders(null, textGraph, Threads);
        _prompts = GoldenPrompts().Take(50).ToList();
        _caption = BenchmarkInputs.Caption();

        PeerSetup.CheckAgreement("50 prompts", _ours.EncodeTokens(_prompts).SelectMany(e => e.Normalized).ToArray(), _ort.EmbedText(_prompts));
    }

    [GlobalCleanup]
    public void Cleanup() => PeerSetup.Release(_ours, _ort);

    internal static IEnumerable<int[]> GoldenPrompts()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string file = Path.Combine(dir.FullName, "tests", "data", "tokenizer", "roberta_cases.jsonl");
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadLines(file))
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                yield return doc.RootElement.GetProperty("tokens_unpadded").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            }
            yield break;
        }
        throw new FileNotFoundException("tests/data/tokenizer/roberta_cases.jsonl not found above the benchmark's folder");
    }

    [Benchmark(Description = "ours: 50 prompts")]
    public object OursPrompts() => _ours.EncodeTokens(_prompts);

    [Benchmark(Baseline = true, Description = "ORT: 50 prompts")]
    public float[] OrtPrompts() => _ort.EmbedText(_prompts);

    [Benchmark(Description = "ours: 1 caption of 100 tokens")]
    public object OursCaption() => _ours.EncodeTokens(_caption);

    [Benchmark(Description = "ORT: 1 caption of 100 tokens")]
    public float[] OrtCaption() => _ort.EmbedText([_caption]);
}
