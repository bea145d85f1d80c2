namespace Cacophony.Search;

/// <summary>
/// A compact index's vectors: symmetric int8 with one float32 scale per vector, scale = max |v| / 127 and
/// q = round(v / scale). For a normalized 768-d embedding (max |v| near 0.13) the rounding error has a norm near
/// 0.8% of the vector's, a cosine of about 0.99997 to the float32 vector.
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
