using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Torch;

namespace Cacophony.Tests.Weights;

/// <summary>What tests/data/torch/strided_zip64.pt adds to the golden .pt: see make_fixtures.py there for its exact content.</summary>
public class TorchCheckpointTests
{
    static string Fixture => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "torch", "strided_zip64.pt");

    [Test]
    public void ReadsStridedViewsNarrowTypesParametersAndNestedStateDictsFromZip64()
    {
        using var checkpoint = TorchCheckpoint.Open(Fixture);
        var t = checkpoint.Tensors;
        Assert.That(t.Keys, Is.EquivalentTo(new[] { "a", "b", "c" }), "the state_dict under 'state_dict'");

        // a: float16 storage [1..6] seen with size (2, 3) and stride (1, 2), i.e. the transpose of a 3x2 matrix.
        Assert.That(t["a"].DType, Is.EqualTo(DType.Float16));
        Assert.That(t["a"].Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(t["a"].ReadAllFloat32(), Is.EqualTo(new float[] { 1, 3, 5, 2, 4, 6 }));
        var window = new float[2];
        t["a"].ReadFloat32(2, window);
        Assert.That(window, Is.EqualTo(new float[] { 5, 2 }), "a range read of a strided view");

        // b: bfloat16 storage [0.5, -1, 2, 8] from offset 1.
        Assert.That(t["b"].DType, Is.EqualTo(DType.BFloat16));
        Assert.That(t["b"].ReadAllFloat32(), Is.EqualTo(new float[] { -1, 2, 8 }));

        // c: a float32 nn.Parameter.
        Assert.That(t["c"].ReadAllFloat32(), Is.EqualTo(new float[] { 3.25f, -0.125f }));
    }
}
