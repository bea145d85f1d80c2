using System.Runtime.InteropServices;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Quantization;
using Cacophony.Weights.SafeTensors;

namespace Cacophony.Tests.Weights;

/// <summary>
/// int8 model directories (`cacophony quantize`, `convert --dtype int8`) on the tiny golden model: every tensor
/// checked against the closed form of symmetric per-channel quantization computed here in float64, the others
/// kept bit for bit, and damaged files refused with the tensor's name.
/// </summary>
public class QuantizedModelDirectoryTests
{
    TempDirectory _temp = null!;
    string _float32 = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _float32 = TinyModel.Convert(_temp);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    string Quantize(string name, bool embeddings = true)
    {
        string output = _temp.File(name);
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = _float32, OutputDirectory = output, WeightsDType = DType.Int8, QuantizeEmbeddings = embeddings, NoTokenizer = true });
        return output;
    }

    static SafeTensorsFile Weights(string directory) => SafeTensorsFile.Open(Path.Combine(directory, CheckpointConverter.WeightsFile));

    [TestCase(true)]
    [TestCase(false)]
    public void EveryDenseWeightIsInt8PerChannelAndTheRestIsKept(bool embeddings)
    {
        string int8 = Quantize("int8", embeddings);
        var config = ModelConfig.Load(Path.Combine(int8, CheckpointConverter.ConfigFile));
        using var original = Weights(_float32);
        using var quantized = Weights(int8);
        int quantizedCount = 0;
        foreach (var mapping in WeightMap.For(config, CheckpointFormat.Canonical))
        {
            var source = original.Tensors[mapping.Name];
            var stored = quantized.Tensors[mapping.Name];
            bool embedding = mapping.Name is "text.embed.word" or "decoder.vocab.weight";
            bool expectInt8 = mapping.Name.EndsWith(".weight", StringComparison.Ordinal) && mapping.Shape.Length == 2 || mapping.Name == "text.embed.word";
            if (embedding && !embeddings) expectInt8 = false;
            if (!expectInt8)
            {
                Assert.That(stored.DType, Is.EqualTo(DType.Float32), mapping.Name);
                Assert.That(quantized.Bytes(mapping.Name).SequenceEqual(original.Bytes(mapping.Name)), mapping.Name + " is kept bit for bit");
                continue;
            }
            quantizedCount++;
            Assert.That(stored.DType, Is.EqualTo(DType.Int8), mapping.Name);
            int rows = mapping.Shape[0], columns = mapping.Shape[1];
            bool perRow = mapping.Name == "text.embed.word";
            var scaleTensor = quantized.Tensors[mapping.Name + "_scale"];
            Assert.That(scaleTensor.Shape, Is.EqualTo(perRow ? new[] { rows, 1 } : new[] { 1, columns }), mapping.Name + " scale shape");
            var w = original.Float32(mapping.Name);
            var q = MemoryMarshal.Cast<byte, sbyte>(quantized.Bytes(mapping.Name));
            var scales = quantized.Float32(mapping.Name + "_scale");
            var maxima = new double[scales.Length];
            for (int i = 0; i < w.Length; i++)
            {
                int channel = perRow ? i / columns : i % columns;
                maxima[channel] = Math.Max(maxima[channel], Math.Abs((double)w[i]));
            }
            for (int c = 0; c < scales.Length; c++)
                Assert.That(scales[c], Is.EqualTo(maxima[c] / 127).Within(1e-7 * maxima[c] / 127 + 1e-30), $"{mapping.Name} scale {c}");
            int boundary = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double scale = scales[perRow ? i / columns : i % columns];
                double exact = scale == 0 ? 0 : w[i] / scale;
                Assert.That(Math.Abs(q[i]), Is.LessThanOrEqualTo(127));
                if (q[i] == Math.Round(exact, MidpointRounding.ToEven)) continue;
                // float32 division may land a value that lies within rounding of a half on the other side.
                Assert.That(Math.Abs(Math.Abs(exact - Math.Floor(exact)) - 0.5), Is.LessThan(1e-4), $"{mapping.Name}[{i}]: q {q[i]} for w / scale = {exact}");
                boundary++;
            }
            Assert.That(boundary, Is.LessThan(w.Length / 1000 + 2), mapping.Name);
        }
        Assert.That(quantized.Tensors.Keys.Count(k => k.EndsWith("_scale", StringComparison.Ordinal) && k != "logit_scale"), Is.EqualTo(quantizedCount), "a scale per int8 tensor and nothing else");
        Assert.That(config.WeightsDtype, Is.EqualTo("int8"));
        Assert.That(config.Quantization, Is.Not.Null);
        Assert.That(config.Quantization!.Embeddings, Is.EqualTo(embeddings));
        Assert.That(config.Quantization.DenseLayers, Is.EqualTo(quantizedCount - (embeddings ? 1 : 0)));
    }

    /// <summary>The CPU engine quantizing a float matrix at load and a model file's quantizer give the same q and scales.</summary>
    [Test]
    public void TheEngineQuantizesAtLoadAsTheFilesAreWritten()
    {
        int k = 67, n = 45;
        var random = new Random(5);
        var w = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        for (int r = 0; r < k; r++) w[r * n + 7] *= 50;
        var scales = new float[n];
        ChannelQuantizer.AccumulateMaxima(w, n, 0, 1, scales);
        ChannelQuantizer.ScalesFromMaxima(scales);
        var q = new sbyte[k * n];
        ChannelQuantizer.QuantizeRows(w, n, 0, 1, scales, q);

        var engine = Cacophony.Kernels.Cpu.Int8.QuantizedMatrix.Quantize(w, k, n);
        Assert.That(engine.Scales, Is.EqualTo(scales));
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++) Assert.That(engine.At(r, c), Is.EqualTo(q[r * n + c]), $"({r}, {c})");
    }

    [Test]
    public void ConvertingAsInt8GivesTheBytesOfQuantizingTheConvertedModel()
    {
        string quantized = Quantize("quantized");
        string converted = _temp.File("converted");
        CheckpointConverter.Convert(new ConvertOptions
        {
            Checkpoint = TestData.FlaxCheckpoint,
            OutputDirectory = converted,
            NoTokenizer = true,
            WeightsDType = DType.Int8,
            Overrides = new ConfigOverrides { TextHeads = 4, DecoderHeads = 4 },
        });
        foreach (var file in new[] { CheckpointConverter.WeightsFile, CheckpointConverter.ConfigFile })
            Assert.That(File.ReadAllBytes(Path.Combine(converted, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(quantized, file))), file);
    }

    [Test]
    public void ConvertingBackToFloat32WritesTheDequantizedWeights()
    {
        string int8 = Quantize("int8");
        string back = _temp.File("back");
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = int8, OutputDirectory = back, NoTokenizer = true });
        using var quantized = Weights(int8);
        using var widened = Weights(back);
        var q = MemoryMarshal.Cast<byte, sbyte>(quantized.Bytes("audio.layers.0.mlp.fc1.weight"));
        var scales = quantized.Float32("audio.layers.0.mlp.fc1.weight_scale");
        var w = widened.Float32("audio.layers.0.mlp.fc1.weight");
        for (int i = 0; i < w.Length; i++) Assert.That(w[i], Is.EqualTo(scales[i % scales.Length] * q[i]));
        Assert.That(ModelConfig.Load(Path.Combine(back, CheckpointConverter.ConfigFile)).Quantization, Is.Null);
    }

    [Test]
    public void ADirectoryIsNotQuantizedIntoItself()
    {
        var e = Assert.Throws<CheckpointException>(() => CheckpointConverter.Convert(new ConvertOptions { Checkpoint = _float32, OutputDirectory = _float32, WeightsDType = DType.Int8, Force = true }));
        Assert.That(e!.Message, Does.Contain("is the model directory being read"));
        Assert.That(ModelConfig.Load(Path.Combine(_float32, CheckpointConverter.ConfigFile)).WeightsDtype, Is.EqualTo("f32"));
    }

    /// <summary>The int8 directory's weights file rewritten with one change, to be opened as a model directory.</summary>
    string Damaged(Func<List<SafeTensorsEntry>, List<SafeTensorsEntry>> change)
    {
        string int8 = Quantize($"damaged{++_damaged}");
        var entries = new List<SafeTensorsEntry>();
        using (var file = Weights(int8))
            foreach (var (name, tensor) in file.Tensors)
            {
                var bytes = file.Bytes(name).ToArray();
                entries.Add(new SafeTensorsEntry(name, tensor.DType, tensor.Shape, destination => bytes.CopyTo(destination)));
            }
        string path = Path.Combine(int8, CheckpointConverter.WeightsFile);
        File.Delete(path);
        using (var stream = File.Create(path)) SafeTensorsWriter.Write(stream, change(entries));
        return int8;
    }

    int _damaged;

    static SafeTensorsEntry Int8Of(SafeTensorsEntry floats) => new(floats.Name, DType.Int8, floats.Shape, destination => destination.Clear());

    [Test]
    public void DamagedInt8FilesAreRefusedNamingTheTensor()
    {
        const string fc1 = "audio.layers.0.mlp.fc1.weight", positions = "text.embed.position";
        string noScale = Damaged(e => e.Where(t => t.Name != fc1 + "_scale").ToList());
        Assert.That(OpenFails(noScale), Does.Contain(fc1).And.Contain("scales").And.Contain("missing"));

        string wrongShape = Damaged(e => e.Select(t => t.Name == fc1 + "_scale" ? t with { Shape = [t.Shape[1], 1], Fill = b => b.Clear() } : t).ToList());
        Assert.That(OpenFails(wrongShape), Does.Contain(fc1 + "_scale").And.Contain("neither"));

        string negative = Damaged(e => e.Select(t => t.Name == fc1 + "_scale" ? t with { Fill = b => MemoryMarshal.Cast<byte, float>(b).Fill(-1) } : t).ToList());
        Assert.That(OpenFails(negative), Does.Contain(fc1 + "_scale").And.Contain("negative"));

        string int8Positions = Damaged(e => [.. e.Select(t => t.Name == positions ? Int8Of(t) : t),
            new SafeTensorsEntry(positions + "_scale", DType.Float32, [e.Single(t => t.Name == positions).Shape[0], 1], b => b.Clear())]);
        Assert.That(OpenFails(int8Positions), Does.Contain(positions).And.Contain("stays floating point"));

        string orphan = Damaged(e => [.. e, new SafeTensorsEntry("audio.layers.0.norm2.bias_scale", DType.Float32, [1, 40], b => b.Clear())]);
        Assert.That(OpenFails(orphan), Does.Contain("audio.layers.0.norm2.bias_scale").And.Contain("unexpected"));
    }

    [Test]
    public void AConfigMustAgreeWithItsQuantizationRecord()
    {
        string int8 = Quantize("int8");
        string path = Path.Combine(int8, CheckpointConverter.ConfigFile);
        var config = ModelConfig.Load(path);
        File.WriteAllText(path, (config with { Quantization = null }).ToJson());
        Assert.That(OpenFails(int8), Does.Contain("quantization").And.Contain("missing"));
        File.WriteAllText(path, (config with { Quantization = config.Quantization! with { Bits = 4 } }).ToJson());
        Assert.That(OpenFails(int8), Does.Contain("4 bits"));
    }

    static string OpenFails(string directory)
    {
        var e = Assert.Throws<CheckpointException>(() => Cacophony.Model.ModelDirectory.Open(directory).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain(directory));
        return e.Message;
    }
}
