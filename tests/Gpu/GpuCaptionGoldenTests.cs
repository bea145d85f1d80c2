using Cacophony.Kernels.Gpu;
using Cacophony.Model;
using Cacophony.Model.Captioning;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Gpu;

/// <summary>
/// The caption decoder on each ILGPU backend against the golden tiny cases (teacher-forced logits, greedy
/// tokens and chosen logits) and against itself (cached steps = full recompute), with the CPU engine's
/// tolerances. OpenCL and CUDA run everything when present. The simulator, only where no OpenCL device is, runs
/// the teacher-forced and cached-step checks on one short case (it takes ~10 s a decoding step at this vocabulary).
/// </summary>
[TestFixture("simulator")]
[TestFixture("opencl")]
[TestFixture("cuda")]
public class GpuCaptionGoldenTests(string backend)
{
    TempDirectory _temp = null!;
    CacophonyModel _model = null!;

    [OneTimeSetUp]
    public void Load()
    {
        var device = TestBackends.OpenForModel(backend);
        _temp = new TempDirectory();
        _model = CacophonyModel.Load(TinyModel.Convert(_temp), new ModelOptions { Backend = device });
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _model?.Dispose();
        _temp?.Dispose();
    }

    DecoderMemory Memory(string caseName)
    {
        var mask = Golden.Ints(caseName, "mask");
        var audio = _model.EncodeAudio(new AudioPatches(Golden.Floats(caseName, "patches"), Golden.Ints(caseName, "time_inds"), Golden.Ints(caseName, "freq_inds"), mask, mask.Sum()));
        return _model.Decoder.Remember(audio.Hidden, audio.Patches);
    }

    [Test]
    public void TeacherForcedLogitsMatchTheReference()
    {
        (string Case, string Prefix)[] cases = backend == "simulator" ? [("audio_long_16k_seq40", "A")] : [("audio_front_center", "A"), ("audio_front_center", "B"), ("audio_long_16k_seq40", "A")];
        foreach (var (caseName, prefix) in cases)
        {
            using var memory = Memory(caseName);
            var logits = _model.Decoder.TeacherForced(memory, Golden.Ints(caseName, $"decoder_prefix_{prefix}"));
            var (maxAbs, _) = Golden.Report($"{backend} {caseName} decoder_tf_logits_{prefix}", logits, Golden.Floats(caseName, $"decoder_tf_logits_{prefix}"));
            Assert.That(maxAbs, Is.LessThan(4e-6));
        }
    }

    [Test]
    public void CachedStepsGiveTheLogitsOfAFullRecompute()
    {
        using var memory = Memory("audio_long_16k_seq40");
        var ids = Golden.Ints("audio_front_center", backend == "simulator" ? "decoder_prefix_A" : "decoder_prefix_B");
        int vocab = _model.Decoder.VocabSize;
        var full = _model.Decoder.TeacherForced(memory, ids);
        using var state = _model.Decoder.Start(memory);
        var stepped = new float[ids.Length * vocab];
        _model.Decoder.TeacherForced(memory, ids[..1]).CopyTo(stepped.AsSpan(0));
        _model.Decoder.Step([state], [ids[..2]]).CopyTo(stepped.AsSpan(vocab));
        for (int i = 2; i < ids.Length; i++)
            _model.Decoder.Step([state], [[ids[i]]]).CopyTo(stepped.AsSpan(i * vocab));
        Assert.That(state.Length, Is.EqualTo(ids.Length));
        var (maxAbs, _) = Golden.Report($"{backend} cached steps vs full recompute", stepped, full);
        Assert.That(maxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void GreedyTokensMatchTheReference()
    {
        if (backend == "simulator") Assert.Ignore("too slow on ILGPU's CPU simulator (the OpenCL fixture runs it)");
        foreach (var caseName in Golden.AudioCases)
        {
            var expected = Golden.Ints(caseName, "greedy_tokens");
            int steps = expected.Length - 1, end = Array.IndexOf(expected, CaptionSearch.Eos, 1), compared = end < 0 ? steps : end;
            using var memory = Memory(caseName);
            var caption = CaptionSearch.Run(_model.Decoder, [memory], new DecodingOptions { MaxTokens = steps })[0];
            Assert.That(caption.Tokens, Is.EqualTo(expected[1..(compared + 1)]), caseName);
            var (maxAbs, _) = Golden.Report($"{backend} {caseName} greedy_token_logits", caption.ChosenLogits, Golden.Floats(caseName, "greedy_token_logits").AsSpan(0, compared));
            Assert.That(maxAbs, Is.LessThan(4e-6));
        }
    }

    [Test]
    public void BeamSearchRunsOnTheDeviceAndAgreesWithTheCpuEngine()
    {
        if (backend == "simulator") Assert.Ignore("too slow on ILGPU's CPU simulator (the OpenCL fixture runs it)");
        using var temp = new TempDirectory();
        using var cpu = CacophonyModel.Load(TinyModel.Convert(temp));
        var options = new DecodingOptions { Strategy = DecodingStrategy.Beam, Beams = 3, MaxTokens = 8 };
        var mask = Golden.Ints("audio_clip_16k", "mask");
        var patches = new AudioPatches(Golden.Floats("audio_clip_16k", "patches"), Golden.Ints("audio_clip_16k", "time_inds"), Golden.Ints("audio_clip_16k", "freq_inds"), mask, mask.Sum());
        using var gpuMemory = _model.Decoder.Remember(_model.EncodeAudio(patches).Hidden, patches.RealCount);
        using var cpuMemory = cpu.Decoder.Remember(cpu.EncodeAudio(patches).Hidden, patches.RealCount);
        var onDevice = CaptionSearch.Run(_model.Decoder, [gpuMemory], options)[0];
        var onCpu = CaptionSearch.Run(cpu.Decoder, [cpuMemory], options)[0];
        TestContext.Out.WriteLine($"{backend}: beam {string.Join(' ', onDevice.Tokens)} score {onDevice.Score:F6}; CPU {string.Join(' ', onCpu.Tokens)} score {onCpu.Score:F6}");
        Assert.That(onDevice.Tokens, Is.EqualTo(onCpu.Tokens));
        Assert.That(onDevice.Score, Is.EqualTo(onCpu.Score).Within(1e-4));
    }
}
