namespace Cacophony.Weights.Canonical;

/// <summary>
/// Where a canonical tensor's elements are in a checkpoint: a contiguous range of the source
/// tensor starting at <see cref="Start"/> (one layer of a scanned stack, or q/k/v of a fused
/// in_proj), stored either in the canonical layout or transposed (PyTorch's Linear is (out, in)).
/// </summary>
public sealed record SourceRef(string Name, int[] Shape, long Start = 0, bool Transpose = false);

/// <summary>A canonical tensor (our name and shape) and its source in one checkpoint format.</summary>
/// <param name="ChannelAxis">
/// Where the tensor may be stored as int8, the axis whose entries are its quantization channels: 1 for a dense
/// layer's (in, out) weight (one scale per output channel), 0 for the word embedding (one per row, as rows are
/// looked up one by one). Null for tensors that stay floating point: biases, norms, positional tables.
/// </param>
public sealed record WeightMapping(string Name, int[] Shape, SourceRef Source, int? ChannelAxis = null)
{
    public long ElementCount => TensorShape.ElementCount(Shape);
}
