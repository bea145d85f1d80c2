namespace Cacophony.Model;

/// <summary>The original's normalization of pooled embeddings.</summary>
public static class Embedding
{
    /// <summary>e / ||e + eps||: the epsilon is added to every component before the norm, as the original does.</summary>
    public static float[] Normalize(ReadOnlySpan<float> e, double eps = 1e-10)
    {
        double sum = 0;
        foreach (var v in e) sum += (v + eps) * (v + eps);
        double norm = Math.Sqrt(sum);
        var result = new float[e.Length];
        for (int i = 0; i < e.Length; i++) result[i] = (float)(e[i] / norm);
        return result;
    }

    /// <summary>Dot product of two normalized embeddings (cosine similarity), accumulated in float64.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
