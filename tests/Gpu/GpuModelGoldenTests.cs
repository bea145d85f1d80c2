using Cacophony.Kernels.Gpu;
using Cacophony.Model;
using Cacophony.Model.Audio;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Gpu;

/// <summary>
/// The whole audio and text towers on each ILGPU backend (the CPU simulator always; OpenCL and CUDA when
/// present, skipped otherwise) against the golden tiny cases, with the CPU engine's tolerances.
/// </summary>
[TestFixture("simulator")]
[TestFixture("opencl")]
[TestFixture("cuda")]
public class GpuModelGoldenTests(string backend)
{
    TempDirectory _temp = null!;
    CacophonyModel _model = null!;

    [OneTimeSetUp]
    public void Load()
    {
        var device = backend == "simulator" ? GpuDevice.Simulator()
            : GpuDevice.TryOpen(backend == "cuda" ? DeviceKind.Cuda : DeviceKind.OpenCL, out var reason) ?? throw new IgnoreException($"no {backend} accelerator here: {reason}");
        _temp = new TempDirectory();
        var directory = ModelDirectory.Open(TinyModel.Convert(_temp));
        _model = new CacophonyModel(directory.Config, directory, owner: directory, gpu: device);
        TestContext.Out.WriteLine($"{backend}: {_model.Device}");
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _model?.Dispose();
        _temp?.Dispose();
    }

    /// <summary>Every golden clip on real devices; two on the simulator, whose barriers make it slow.</summary>
    [Test]
    public void AudioTowerMatchesTheReference()
    {
        var cases = backend == "simulator" ? ["audio_long_16k_seq40", "audio_noise"] : Golden.AudioCases;
        foreach (var caseName in cases) AudioCaseMatches(caseName);
    }

    void AudioCaseMatches(string caseName)
    {
        var mask = Golden.Ints(caseName, "mask");
        var patches = new AudioPatches(Golden.Floats(caseName, "patches"), Golden.Ints(caseName, "time_inds"), Golden.Ints(caseName, "freq_inds"), mask, mask.Sum());
        var result = _model.EncodeAudio(patches);
        int width = _model.Config.Audio.HiddenSize;
        var (hidden, _) = Golden.Report($"{backend} {caseName} audio_hidden", result.Hidden, Golden.Floats(caseName, "audio_hidden").AsSpan(0, patches.RealCount * width));
        var (norm, _) = Golden.Report($"{backend} {caseName} audio_embedding", result.Normalized, Golden.Floats(caseName, "audio_embedding"));
        Assert.Multiple(() =>
        {
            Assert.That(hidden, Is.LessThan(1e-5));
            Assert.That(norm, Is.LessThan(1e-6));
        });
    }

    [Test]
    public void TextTowerMatchesTheReferenceInOneBatch()
    {
        var ids = Golden.Load("text_main", "token_ids");
        var mask = Golden.Ints("text_main", "text_mask");
        int n = ids.Shape[0], maxLength = ids.Shape[1], projection = _model.Config.ProjectionSize;
        var texts = Enumerable.Range(0, n).Select(i => ids.Int32!.AsSpan(i * maxLength, mask.AsSpan(i * maxLength, maxLength).ToArray().Sum()).ToArray()).ToList();
        var results = _model.EncodeTokens(texts);
        var golden = Golden.Floats("text_main", "text_embedding");
        double worst = 0;
        for (int i = 0; i < n; i++)
            worst = Math.Max(worst, Golden.Report($"{backend} text_main[{i}] text_embedding", results[i].Normalized, golden.AsSpan(i * projection, projection)).MaxAbs);
        Assert.That(worst, Is.LessThan(1e-6));
    }
}
