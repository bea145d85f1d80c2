namespace Cacophony.Weights.Canonical;

/// <summary>
/// Where a canonical tensor's elements are in a checkpoint: a contiguous range of the source
/// tensor starting at <see cref="Start"/> (one layer of a scanned stack, or q/k/v of a fused
/// in_proj), stored either in the canonical layout or transposed (PyTorch's Linear is (out, in)).
/// </summary>
public sealed record SourceRef(string Name, int[] Shape, long Start = 0, bool Transpose = false);

/// <summary>A canonical tensor (our name and shape) and its source in one checkpoint format.</summary>
public sealed record WeightMapping(string Name, int[] Shape, SourceRef Source)
{
    public long ElementCount => TensorShape.ElementCount(Shape);
}
