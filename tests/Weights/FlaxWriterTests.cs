using System.Runtime.InteropServices;
using Cacophony.Model;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Flax;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Tests.Weights;

public class FlaxWriterTests
{
    /// <summary>The golden checkpoint was written by flax.serialization: rewriting its tensors must reproduce it byte for byte.</summary>
    [Test]
    public void RewritingTheGoldenCheckpointReproducesItsBytes()
    {
        var leaves = new Dictionary<string, FlaxCheckpointWriter.Leaf>();
        using (var source = FlaxCheckpoint.Open(TestData.FlaxCheckpoint))
            foreach (var (path, tensor) in source.Tensors)
            {
                var values = tensor.ReadAllFloat32();
                leaves["0/params/" + path] = new(DType.Float32, tensor.Shape, bytes => MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes));
            }
        leaves["0/step"] = new(DType.Int32, [], bytes => bytes.Clear());
        using var output = new MemoryStream();
        FlaxCheckpointWriter.Write(output, leaves);
        var expected = File.ReadAllBytes(TestData.FlaxCheckpoint);
        Assert.That(output.Length, Is.EqualTo(expected.Length));
        Assert.That(output.ToArray().AsSpan().SequenceEqual(expected), "byte-identical to flax.serialization's output");
    }

    /// <summary>A synthetic checkpoint at the golden tiny config converts and loads like a real one.</summary>
    [Test]
    public void SyntheticCheckpointConvertsWithTheConfigItWasMadeFrom()
    {
        var golden = ModelConfig.Load(TestData.Tiny("config.json"));
        var config = new ModelConfig { Audio = golden.Audio, Text = golden.Text, Decoder = golden.Decoder, ProjectionSize = golden.ProjectionSize };
        using var temp = new TempDirectory();
        using (var stream = File.Create(temp.File("synthetic.ckpt")))
            SyntheticCheckpoint.WriteFlax(stream, config, std: 0.02, seed: 3);
        var overrides = new ConfigOverrides { TextHeads = 4, DecoderHeads = 4 };
        var converted = CheckpointConverter.Convert(new ConvertOptions { Checkpoint = temp.File("synthetic.ckpt"), OutputDirectory = temp.File("m"), NoTokenizer = true, Overrides = overrides });
        Assert.That(converted with { Source = null, WeightsDtype = "f32" }, Is.EqualTo(config with { Preprocessing = converted.Preprocessing }));

        using var model = ModelDirectory.Open(temp.File("m"));
        var weights = model.Read("text.layers.1.mlp.fc1.weight");
        double mean = weights.Average(), std = Math.Sqrt(weights.Average(w => (w - mean) * (w - mean)));
        TestContext.Out.WriteLine($"text.layers.1.mlp.fc1.weight: mean {mean:F5}, std {std:F5} over {weights.Length} values");
        Assert.That(std, Is.EqualTo(0.02).Within(0.002));
        Assert.That(Math.Abs(mean), Is.LessThan(0.002));
        Assert.That(model.Read("audio.norm.scale").Average(), Is.EqualTo(1).Within(0.01));
        Assert.That(model.Read("logit_scale")[0], Is.EqualTo(MathF.Log(1 / 0.07f)));
    }
}
