using Cacophony.Tests.Support;
using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Cli;

/// <summary>
/// The NativeAOT command (published by .ci/run; its path in CACOPHONY_NATIVE_CLI) against the JIT build: the same
/// embeddings, captions and JSON, bit for bit, at the same instruction set, and the golden values. The native build
/// fixes its instruction set when it is compiled, so the JIT build runs with AVX-512 off when the native one is an
/// AVX2 build.
/// </summary>
public class NativeBuildTests : TinyModelCliFixture
{
    string _native = "";
    Dictionary<string, string> _jitEnvironment = [];

    protected override bool RequiresTokenizer => false;

    [OneTimeSetUp]
    public void FindNativeBuild()
    {
        _native = Environment.GetEnvironmentVariable("CACOPHONY_NATIVE_CLI") ?? "";
        if (!File.Exists(_native))
            Assert.Ignore("no native build: publish one with `dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -o DIR` "
                + "and set CACOPHONY_NATIVE_CLI=DIR/cacophony (.ci/run does)");
        var probe = ToolRunner.Execute(_native, ["embed-audio", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--out", Temp.File("probe.npy")]);
        Assert.That(probe.ExitCode, Is.Zero, probe.Stderr);
        Assert.That(probe.Stderr, Does.Not.Contain("scalar"), "a native build must run vector kernels, not the scalar fallback");
        // Both AVX-512 switches: DOTNET_EnableAVX512F before .NET 10, DOTNET_EnableAVX512 since.
        if (probe.Stderr.Contains("Vector256"))
            _jitEnvironment = new() { ["DOTNET_EnableAVX512F"] = "0", ["DOTNET_EnableAVX512"] = "0" };
    }

    (ToolRunner.Result Native, ToolRunner.Result Jit) Both(Func<string, string[]> arguments)
    {
        var native = ToolRunner.Execute(_native, arguments("native"));
        var jit = ToolRunner.RunWith(_jitEnvironment, "cacophony", arguments("jit"));
        Assert.That(native.ExitCode, Is.Zero, native.Stderr);
        Assert.That(jit.ExitCode, Is.Zero, jit.Stderr);
        Assert.That(native.Stderr.Split('\n')[0], Is.EqualTo(jit.Stderr.Split('\n')[0]), "the same engine and instruction set");
        return (native, jit);
    }

    [Test]
    public void EmbedsTheGoldenClipsWithTheJitBuildsBits()
    {
        string[] cases = ["audio_front_center", "audio_noise", "audio_stereo_44k1_24bit", "audio_speech_espeak", "audio_clip_16k"];
        var wavs = cases.Select(c => TestData.Tiny($"wavs/{c["audio_".Length..]}.wav")).ToArray();
        Both(build => ["embed-audio", "--model", ModelDirectory, .. wavs, "--out", Temp.File($"{build}.npy")]);

        Assert.That(File.ReadAllBytes(Temp.File("native.npy")), Is.EqualTo(File.ReadAllBytes(Temp.File("jit.npy"))));
        var embeddings = NpyFile.Read(Temp.File("native.npy")).Float32;
        for (int i = 0; i < cases.Length; i++)
            Assert.That(Golden.Report($"native row {i} ({cases[i]})", embeddings.AsSpan(i * 32, 32), Golden.Floats(cases[i], "audio_embedding")).MaxAbs, Is.LessThan(1e-6));
    }

    [Test]
    public void TextsCaptionsAndJsonOutputAreTheJitBuilds()
    {
        TestData.TokenizerDirectoryOrIgnore();
        var wavs = new[] { "noise.wav", "speech_espeak.wav" }.Select(w => TestData.Tiny($"wavs/{w}")).ToArray();
        Both(build => ["embed-text", "--model", ModelDirectory, "a dog barks", "rain on a roof, ünïcode", "--out", Temp.File($"{build}-text.npy")]);
        Assert.That(File.ReadAllBytes(Temp.File("native-text.npy")), Is.EqualTo(File.ReadAllBytes(Temp.File("jit-text.npy"))));

        var caption = Both(_ => ["caption", "--model", ModelDirectory, .. wavs, "--json", "--decode", "beam", "--max-tokens", "8"]);
        Assert.That(caption.Native.Stdout, Is.EqualTo(caption.Jit.Stdout));
        Assert.That(caption.Native.Stdout, Does.Contain("\"tokens\""));

        var similarity = Both(_ => ["similarity", "--model", ModelDirectory, "--audio", .. wavs, "--text", "a dog barks", "rain", "--json"]);
        Assert.That(similarity.Native.Stdout, Is.EqualTo(similarity.Jit.Stdout));
    }

    [Test]
    public void AskingForAGpuGivesOneLineAndExitCode2()
    {
        var run = ToolRunner.Execute(_native, ["embed-audio", "--model", ModelDirectory, TestData.Tiny("wavs/noise.wav"), "--device", "cuda"]);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("no GPU backend"));
        Assert.That(run.Stderr, Does.Not.Contain("   at "), "no stack trace");
    }
}
