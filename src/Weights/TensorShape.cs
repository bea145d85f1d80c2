namespace Cacophony.Weights;

/// <summary>Shape helpers: shapes are int[] in C (row-major) order; a scalar has shape [].</summary>
public static class TensorShape
{
    public static long ElementCount(IReadOnlyList<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    public static bool SameAs(IReadOnlyList<int> a, IReadOnlyList<int> b) => a.SequenceEqual(b);

    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
