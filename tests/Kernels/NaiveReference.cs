namespace Cacophony.Tests.Kernels;

/// <summary>Float64, loop-by-loop implementations of every kernel: the truth the SIMD kernels are held to.</summary>
static class NaiveReference
{
    public static double[] MatMul(float[] a, int m, int k, float[] b, int n, float[] bias)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias.Length == 0 ? 0 : bias[j];
                for (int x = 0; x < k; x++) sum += (double)a[i * k + x] * b[x * n + j];
                c[i * n + j] = sum;
            }
        return c;
    }

    public static double[] LayerNorm(float[] x, int rows, int width, float[] scale, float[] bias, double eps)
    {
        var y = new double[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int i = 0; i < width; i++) mean += x[r * width + i];
            mean /= width;
            for (int i = 0; i < width; i++) variance += (x[r * width + i] - mean) * (x[r * width + i] - mean);
            variance /= width;
            for (int i = 0; i < width; i++) y[r * width + i] = (x[r * width + i] - mean) / Math.Sqrt(variance + eps) * scale[i] + bias[i];
        }
        return y;
    }

    public static double[] Attention(float[] q, int queries, float[] k, float[] v, int keys, int width, int heads, bool causal, double scale)
    {
        int d = width / heads;
        var output = new double[queries * width];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < queries; i++)
            {
                int allowed = causal ? Math.Min(keys, i + keys - queries + 1) : keys;
                var scores = new double[allowed];
                for (int j = 0; j < allowed; j++)
                {
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += (double)q[i * width + h * d + x] * k[j * width + h * d + x];
                    scores[j] = dot * scale;
                }
                double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                for (int x = 0; x < d; x++)
                {
                    double acc = 0;
                    for (int j = 0; j < allowed; j++) acc += Math.Exp(scores[j] - max) / sum * v[j * width + h * d + x];
                    output[i * width + h * d + x] = acc;
                }
            }
        return output;
    }

    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erfc without cancellation in the tails.</summary>
    public static double Erfc(double x) => Math.Abs(x) < 3 ? 1 - Erf(x) : x > 0 ? ErfcTail(x) : 2 - ErfcTail(-x);

    /// <summary>erf by its Taylor series (|x| &lt; 3) or the continued fraction of erfc: slow, exact to ~1e-15.</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) < 3)
        {
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                sum += term / (2 * n + 1);
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        double erfc = ErfcTail(Math.Abs(x));
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>erfc(z), z &gt;= 3: exp(-z^2)/sqrt(pi) / (z + 1/2/(z + 1/(z + 3/2/(z + ...)))), evaluated from the tail.</summary>
    static double ErfcTail(double z)
    {
        double fraction = 0;
        for (int n = 60; n >= 1; n--) fraction = n / 2.0 / (z + fraction);
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / (z + fraction);
    }
}
