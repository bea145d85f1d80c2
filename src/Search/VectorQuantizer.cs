namespace Cacophony.Search;

/// <summary>
/// A compact index's vectors: symmetric int8 with one float32 scale per vector, scale = max |v| / 127 and
/// q = round(v / scale). For a normalized 768-d embedding the cosine to the float32 vector stays above 0.9999.
/// </summary>
static class VectorQuantizer
{
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> into)
    {
        float max = MathF.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(vector)); // MaxMagnitude keeps the sign
        if (!(max > 0))
        {
            into.Clear();
            return 0;
        }
        float scale = max / 127f, inverse = 1 / scale;
        for (int i = 0; i < vector.Length; i++) into[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127, 127);
        return scale;
    }
}
