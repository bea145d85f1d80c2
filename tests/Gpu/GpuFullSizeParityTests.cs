using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Layers;
using Cacophony.Tests.Support;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Tests.Gpu;

/// <summary>
/// The published shapes (12 + 12 + 4 layers, 768 wide, 50,265 tokens) on random weights, OpenCL device vs
/// the CPU engine: embeddings within 1e-4 (the bar for a GPU) and decoder logits alike. Runs where an
/// OpenCL device exists (PoCL in CI: ~30 s, 3.5 GB), skipped elsewhere.
/// </summary>
[Category("FullSize")]
public class GpuFullSizeParityTests
{
    [Test]
    public void OpenClMatchesTheCpuEngineAtFullSize()
    {
        var device = TestBackends.Open("opencl");
        var config = StandardConfigs.Full;
        var weights = new MemoizedWeights(new SyntheticWeights(config, std: 0.02, seed: 11));
        using var cpu = CacophonyModel.FromWeights(config, weights);
        using var gpu = CacophonyModel.FromWeights(config, weights, new ModelOptions { Backend = device });
        var random = new Random(5);
        var clip = Enumerable.Range(0, 48000).Select(i => (float)(0.4 * Math.Sin(2 * Math.PI * 440 * i / 16000) + 0.05 * (random.NextDouble() - 0.5))).ToArray();
        var policy = new SequencePolicy { Padding = SequencePadding.Exact };

        double Worst(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
        double audio = Worst(cpu.EmbedAudio(clip, 16000, policy), gpu.EmbedAudio(clip, 16000, policy));
        int[] ids = [0, 713, 16, 10, 2369, 9, 2335, 2];
        double text = Worst(cpu.EncodeTokens(ids).Normalized, gpu.EncodeTokens(ids).Normalized);
        var patches = cpu.FrontEnd.Process(clip, 16000, policy).Patches;
        using var cpuMemory = cpu.Decoder.Remember(cpu.EncodeAudio(patches).Hidden, patches.RealCount);
        using var gpuMemory = gpu.Decoder.Remember(gpu.EncodeAudio(patches).Hidden, patches.RealCount);
        double logits = Worst(cpu.Decoder.TeacherForced(cpuMemory, [0, 250, 2335]), gpu.Decoder.TeacherForced(gpuMemory, [0, 250, 2335]));
        TestContext.Out.WriteLine($"full size, OpenCL vs CPU engine: audio embedding {audio:E2}, text embedding {text:E2}, decoder logits {logits:E2} (max-abs)");
        Assert.Multiple(() =>
        {
            Assert.That(audio, Is.LessThan(1e-4));
            Assert.That(text, Is.LessThan(1e-4));
            Assert.That(logits, Is.LessThan(1e-4));
        });
    }
}
