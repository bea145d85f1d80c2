namespace Cacophony.Weights;

/// <summary>Shape helpers: shapes are int[] in C (row-major) order; a scalar has shape [].</summary>
public static class TensorShape
{
    public static long ElementCount(IReadOnlyList<int> shape) =>
        TryElementCount(shape, out long count) ? count : throw new ArgumentException($"shape {Format(shape)} has a negative dimension or more elements than a long holds");

    /// <summary>The product of the dimensions; false for a negative dimension or a product past 2^62 (a file's claim, not checked arithmetic's wrap).</summary>
    public static bool TryElementCount(IReadOnlyList<int> shape, out long count)
    {
        count = 1;
        foreach (int d in shape)
        {
            if (d < 0 || (d > 0 && count > (1L << 62) / d)) { count = 0; return false; }
            count *= d;
        }
        return true;
    }

    public static bool SameAs(IReadOnlyList<int> a, IReadOnlyList<int> b) => a.SequenceEqual(b);

    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
