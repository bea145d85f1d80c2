using Cacophony.Model;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;

namespace Cacophony.Tests.Weights;

/// <summary>
/// The golden tiny checkpoints hold the same weights in three files (Flax msgpack, PyTorch zip,
/// AudioMAE stage-1): every canonical tensor must come out bit for bit the same from each.
/// </summary>
public class CheckpointParityTests
{
    // The tiny model's RoBERTa widths (16) are not multiples of 64 and its audio width (40) not of 96,
    // so head counts that shapes cannot tell come from the golden config.
    static readonly ConfigOverrides TinyHeads = new() { AudioHeads = 8, TextHeads = 4, DecoderHeads = 4 };

    [Test]
    public void FlaxAndTorchCheckpointsGiveIdenticalCanonicalTensors()
    {
        using var flax = CheckpointConverter.OpenCheckpoint(TestData.FlaxCheckpoint, TinyHeads);
        using var torch = CheckpointConverter.OpenCheckpoint(TestData.TorchCheckpoint, TinyHeads);
        Assert.That(torch.Config with { Source = null }, Is.EqualTo(flax.Config with { Source = null }));
        var torchByName = torch.Bound.ToDictionary(b => b.Name);
        Assert.That(torchByName.Keys, Is.EquivalentTo(flax.Bound.Select(b => b.Name)));

        int transposed = 0;
        foreach (var tensor in flax.Bound)
        {
            var other = torchByName[tensor.Name];
            if (other.Ref.Transpose) transposed++;
            Assert.That(Compare.BitMismatches(tensor.Read(), other.Read()), Is.Zero, $"{tensor.Name}: Flax {tensor.Ref.Name} vs PyTorch {other.Ref.Name}");
        }
        TestContext.Out.WriteLine($"{flax.Bound.Count} canonical tensors bit-identical between Flax and PyTorch ({transposed} transposed from (out, in))");
        Assert.That(transposed, Is.GreaterThan(50), "the PyTorch side exercises the transposed path");
    }

    [Test]
    public void InferredConfigMatchesTheGoldenConfig()
    {
        var golden = ModelConfig.Load(TestData.Tiny("config.json"));
        using var flax = CheckpointConverter.OpenCheckpoint(TestData.FlaxCheckpoint, TinyHeads with { AudioHeads = null });
        using var mae = CheckpointConverter.OpenCheckpoint(TestData.AudioMaeCheckpoint, new ConfigOverrides());
        Assert.Multiple(() =>
        {
            Assert.That(flax.Config.Audio, Is.EqualTo(golden.Audio));
            Assert.That(flax.Config.Text, Is.EqualTo(golden.Text));
            Assert.That(flax.Config.Decoder, Is.EqualTo(golden.Decoder));
            Assert.That(flax.Config.ProjectionSize, Is.EqualTo(golden.ProjectionSize));
            Assert.That(flax.Config.NumAttentionPoolHeads, Is.EqualTo(golden.NumAttentionPoolHeads));
            Assert.That(mae.Config.Kind, Is.EqualTo(ModelConfig.AudioMaeKind));
            Assert.That(mae.Config.Audio, Is.EqualTo(golden.Audio));
            Assert.That(mae.Config.AudiomaeDecoder, Is.EqualTo(golden.AudiomaeDecoder));
        });
    }

    [Test]
    public void AudioMaeEncoderEqualsCacophonyAudioEncoder()
    {
        using var caco = CheckpointConverter.OpenCheckpoint(TestData.FlaxCheckpoint, TinyHeads);
        using var mae = CheckpointConverter.OpenCheckpoint(TestData.AudioMaeCheckpoint, new ConfigOverrides());
        var cacoAudio = caco.Bound.Where(b => b.Name.StartsWith("audio.", StringComparison.Ordinal)).ToDictionary(b => b.Name);
        var maeAudio = mae.Bound.Where(b => b.Name.StartsWith("audio.", StringComparison.Ordinal)).ToList();
        Assert.That(maeAudio.Select(b => b.Name), Is.EquivalentTo(cacoAudio.Keys));
        foreach (var tensor in maeAudio)
            Assert.That(Compare.BitMismatches(tensor.Read(), cacoAudio[tensor.Name].Read()), Is.Zero, tensor.Name);
        Assert.That(mae.Bound.Count(b => b.Name.StartsWith("mae_decoder.", StringComparison.Ordinal)), Is.EqualTo(24));
        TestContext.Out.WriteLine($"{maeAudio.Count} audio encoder tensors identical in AudioMAE and Cacophony checkpoints");
    }

    /// <summary>Transformers' Flax RoBERTa without scan names layers encoder/layer/0, /1, ...: the same weights, unstacked.</summary>
    [Test]
    public void UnrolledRobertaLayersGiveTheSameTensorsAsScannedOnes()
    {
        const string scan = "/encoder/layer/ScanFlaxRobertaLayer_0/";
        var leaves = new Dictionary<string, object>();
        using (var source = Cacophony.Weights.Flax.FlaxCheckpoint.Open(TestData.FlaxCheckpoint))
            foreach (var (path, tensor) in source.Tensors)
            {
                var values = tensor.ReadAllFloat32();
                if (!path.Contains(scan))
                {
                    leaves["0/params/" + path] = new MsgpackTreeWriter.Array("float32", tensor.Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
                    continue;
                }
                int layers = tensor.Shape[0], per = values.Length / layers;
                for (int i = 0; i < layers; i++)
                    leaves["0/params/" + path.Replace(scan, $"/encoder/layer/{i}/")] = new MsgpackTreeWriter.Array("float32", tensor.Shape[1..],
                        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan(i * per, per)).ToArray());
            }
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("unrolled.ckpt"), MsgpackTreeWriter.Serialize(leaves));

        using var scanned = CheckpointConverter.OpenCheckpoint(TestData.FlaxCheckpoint, TinyHeads);
        using var unrolled = CheckpointConverter.OpenCheckpoint(temp.File("unrolled.ckpt"), TinyHeads);
        Assert.That(unrolled.Config with { Source = null }, Is.EqualTo(scanned.Config with { Source = null }));
        var byName = unrolled.Bound.ToDictionary(b => b.Name);
        Assert.That(byName.Keys, Is.EquivalentTo(scanned.Bound.Select(b => b.Name)));
        foreach (var tensor in scanned.Bound)
            Assert.That(Compare.BitMismatches(byName[tensor.Name].Read(), tensor.Read()), Is.Zero, $"{tensor.Name} ({byName[tensor.Name].Ref.Name})");
        Assert.That(byName["text.layers.1.attn.q.weight"].Ref.Name, Is.EqualTo("text_module/encoder/layer/1/attention/self/query/kernel"));
    }

    [TestCase("cacophony_tiny.ckpt")]
    [TestCase("cacophony_tiny.pt")]
    [TestCase("audiomae_tiny.ckpt")]
    public void ConvertedModelDirectoryReadsBackBitForBit(string checkpoint)
    {
        using var temp = new TempDirectory();
        string output = temp.File("model");
        var options = new ConvertOptions { Checkpoint = TestData.Tiny(checkpoint), OutputDirectory = output, NoTokenizer = true, Overrides = TinyHeads };
        var config = CheckpointConverter.Convert(options);

        using var source = CheckpointConverter.OpenCheckpoint(options.Checkpoint, TinyHeads);
        using var model = ModelDirectory.Open(output);
        Assert.That(model.Config with { Source = null }, Is.EqualTo(config with { Source = null }));
        Assert.That(model.Config.Source!.Sha256, Has.Length.EqualTo(64));
        Assert.That(model.Tensors.Keys, Is.EquivalentTo(WeightMap.Canonical(config).Select(c => c.Name)));
        foreach (var tensor in source.Bound)
        {
            Assert.That(model.Tensors[tensor.Name].Shape, Is.EqualTo(tensor.Shape), tensor.Name);
            Assert.That(Compare.BitMismatches(model.Weights.Float32(tensor.Name), tensor.Read()), Is.Zero, tensor.Name);
        }
        Assert.That(Directory.GetFileSystemEntries(temp.Path), Is.EqualTo(new[] { output }), "no staging directory is left behind");
    }

    [TestCase("f16")]
    [TestCase("bf16")]
    public void ReducedPrecisionStoresMatricesRoundedAndVectorsExact(string dtypeName)
    {
        var dtype = DTypes.FromOptionName(dtypeName)!.Value;
        using var temp = new TempDirectory();
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = TestData.FlaxCheckpoint, OutputDirectory = temp.File("m"), NoTokenizer = true, WeightsDType = dtype, Overrides = TinyHeads });
        using var source = CheckpointConverter.OpenCheckpoint(TestData.FlaxCheckpoint, TinyHeads);
        using var model = ModelDirectory.Open(temp.File("m"));
        Assert.That(model.Config.WeightsDtype, Is.EqualTo(dtypeName));
        // Relative rounding error of a round-to-nearest format with p significand bits is at most 2^-p.
        double bound = dtype == DType.Float16 ? Math.Pow(2, -11) : Math.Pow(2, -8);
        double worst = 0;
        foreach (var tensor in source.Bound)
        {
            var stored = model.Tensors[tensor.Name];
            var expected = tensor.Read();
            var actual = stored.Read();
            if (tensor.Shape.Length < 2)
            {
                Assert.That(stored.Source.DType, Is.EqualTo(DType.Float32), tensor.Name);
                Assert.That(Compare.BitMismatches(actual, expected), Is.Zero, tensor.Name);
                continue;
            }
            Assert.That(stored.Source.DType, Is.EqualTo(dtype), tensor.Name);
            for (int i = 0; i < expected.Length; i++)
            {
                // Values this small are subnormal in f16; they keep an absolute error instead.
                double error = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 6.2e-5);
                worst = Math.Max(worst, error);
            }
        }
        TestContext.Out.WriteLine($"{dtypeName}: max relative rounding error {worst:E3} (bound {bound:E3})");
        Assert.That(worst, Is.LessThanOrEqualTo(bound));
        Assert.That(worst, Is.GreaterThan(0), "matrices were really narrowed");
    }

    [Test]
    public void TokenizerFilesAreCopiedIntoTheModelDirectory()
    {
        string tokenizer = TestData.TokenizerDirectoryOrIgnore();
        using var temp = new TempDirectory();
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = TestData.FlaxCheckpoint, OutputDirectory = temp.File("m"), TokenizerDirectory = tokenizer, Overrides = TinyHeads });
        using var model = ModelDirectory.Open(temp.File("m"));
        Assert.That(model.HasTokenizer);
        Assert.That(File.ReadAllBytes(model.VocabularyFile), Is.EqualTo(File.ReadAllBytes(Path.Combine(tokenizer, "vocab.json"))));
        Assert.That(File.ReadAllBytes(model.MergesFile), Is.EqualTo(File.ReadAllBytes(Path.Combine(tokenizer, "merges.txt"))));
    }
}
