using System.Collections.Concurrent;
using System.Numerics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// numpy.fft.rfft / irfft semantics in float64, for any length. Even lengths use the half-length
/// trick: the n reals are packed as n/2 complex numbers z_j = x_2j + i x_2j+1, transformed once, and
/// the spectrum is untangled with X_k = E_k + exp(-2 pi i k / n) O_k, where
/// E_k = (Z_k + conj Z_{n/2-k}) / 2 and O_k = (Z_k - conj Z_{n/2-k}) / 2i.
/// </summary>
public static class RealFft
{
    // exp(-2 pi i k / n) for k <= n/2, per even length n: the untangling twiddles.
    static readonly ConcurrentDictionary<int, Complex[]> Twiddles = new();

    static Complex[] TwiddlesFor(int n) => Twiddles.GetOrAdd(n, length =>
    {
        var table = new Complex[length / 2 + 1];
        for (int k = 0; k < table.Length; k++) table[k] = FftPlan.Twiddle(k, length);
        return table;
    });

    /// <summary>spectrum[k] = sum_j x[j] exp(-2 pi i j k / n), k = 0 .. n/2.</summary>
    public static void Forward(ReadOnlySpan<double> x, Span<Complex> spectrum)
    {
        int n = x.Length;
        if (spectrum.Length != n / 2 + 1) throw new ArgumentException($"rfft of {n} values has {n / 2 + 1} bins, not {spectrum.Length}");
        if (n % 2 == 1 || n < 4)
        {
            var full = new Complex[n];
            for (int j = 0; j < n; j++) full[j] = x[j];
            FftPlan.Get(n).Forward(full);
            full.AsSpan(0, n / 2 + 1).CopyTo(spectrum);
            return;
        }
        int h = n / 2;
        var z = new Complex[h];
        for (int j = 0; j < h; j++) z[j] = new Complex(x[2 * j], x[2 * j + 1]);
        FftPlan.Get(h).Forward(z);
        var twiddles = TwiddlesFor(n);
        for (int k = 0; k <= h; k++)
        {
            var zk = z[k % h];
            var zc = Complex.Conjugate(z[(h - k) % h]);
            var even = (zk + zc) * 0.5;
            var odd = (zk - zc) * new Complex(0, -0.5);
            spectrum[k] = even + twiddles[k] * odd;
        }
    }

    /// <summary>
    /// The real sequence of length n whose rfft is `spectrum` (n/2 + 1 bins), scaled by 1/n like numpy.
    /// As numpy does, the imaginary parts of the DC bin and (for even n) the Nyquist bin are ignored.
    /// </summary>
    public static void Inverse(ReadOnlySpan<Complex> spectrum, Span<double> x)
    {
        int n = x.Length;
        if (spectrum.Length != n / 2 + 1) throw new ArgumentException($"irfft to {n} values needs {n / 2 + 1} bins, not {spectrum.Length}");
        if (n % 2 == 1 || n < 4)
        {
            var full = new Complex[n];
            full[0] = spectrum[0].Real;
            for (int k = 1; k <= (n - 1) / 2; k++)
            {
                full[k] = spectrum[k];
                full[n - k] = Complex.Conjugate(spectrum[k]);
            }
            if (n % 2 == 0) full[n / 2] = spectrum[n / 2].Real;
            FftPlan.Get(n).Inverse(full);
            for (int j = 0; j < n; j++) x[j] = full[j].Real / n;
            return;
        }
        // Re-tangle: Z_k = E_k + i O_k with E_k = (X_k + conj X_{h-k}) / 2, O_k = exp(2 pi i k / n) (X_k - conj X_{h-k}) / 2.
        int h = n / 2;
        var z = new Complex[h];
        var twiddles = TwiddlesFor(n);
        for (int k = 0; k < h; k++)
        {
            var xk = k == 0 ? new Complex(spectrum[0].Real, 0) : spectrum[k];
            var xm = Complex.Conjugate(h - k == h ? new Complex(spectrum[h].Real, 0) : spectrum[h - k]);
            var even = (xk + xm) * 0.5;
            var odd = (xk - xm) * 0.5 * Complex.Conjugate(twiddles[k]);
            z[k] = even + Complex.ImaginaryOne * odd;
        }
        FftPlan.Get(h).Inverse(z);
        for (int j = 0; j < h; j++)
        {
            x[2 * j] = z[j].Real / h;
            x[2 * j + 1] = z[j].Imaginary / h;
        }
    }
}
