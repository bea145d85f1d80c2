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

    static Complex[] TwiddlesFor(int n) => n <= FftPlan.LargestTabulatedLength ? Twiddles.GetOrAdd(n, Table) : Table(n);

    static Complex[] Table(int n)
    {
        var table = new Complex[n / 2 + 1];
        for (int k = 0; k < table.Length; k++) table[k] = FftPlan.Twiddle(k, n);
        return table;
    }

    /// <summary>spectrum[k] = sum_j x[j] exp(-2 pi i j k / n), k = 0 .. n/2.</summary>
    public static void Forward(ReadOnlySpan<double> x, Span<Complex> spectrum) => Forward<double>(x, spectrum);

    /// <summary>The same from float32 samples, without a float64 copy of the input (long clips).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<Complex> spectrum) => Forward<float>(x, spectrum);

    /// <remarks>
    /// The even path works inside `spectrum` (n/2 + 1 slots): the packed pairs go in, the half-length
    /// transform runs in place, and the untangling rewrites bins k and n/2 - k together, so the only
    /// other memory is the FFT's work buffer.
    /// </remarks>
    static void Forward<T>(ReadOnlySpan<T> samples, Span<Complex> spectrum) where T : unmanaged, INumberBase<T>
    {
        int n = samples.Length;
        if (spectrum.Length != n / 2 + 1) throw new ArgumentException($"rfft of {n} values has {n / 2 + 1} bins, not {spectrum.Length}");
        if (n % 2 == 1 || n < 4)
        {
            var full = new Complex[n];
            for (int j = 0; j < n; j++) full[j] = double.CreateTruncating(samples[j]);
            FftPlan.Get(n).Forward(full);
            full.AsSpan(0, n / 2 + 1).CopyTo(spectrum);
            return;
        }
        int h = n / 2;
        var z = spectrum[..h];
        for (int j = 0; j < h; j++) z[j] = new Complex(double.CreateTruncating(samples[2 * j]), double.CreateTruncating(samples[2 * j + 1]));
        FftPlan.Get(h).Forward(z);
        var twiddles = TwiddlesFor(n);
        // k = 0 and k = h share Z_0: E_0 = Re Z_0, O_0 = Im Z_0, and exp(-i pi) = -1.
        var z0 = spectrum[0];
        spectrum[0] = z0.Real + z0.Imaginary;
        spectrum[h] = z0.Real - z0.Imaginary;
        for (int k = 1; k <= h / 2; k++)
        {
            var zk = spectrum[k];
            var zm = spectrum[h - k];
            spectrum[k] = Untangle(zk, zm, twiddles[k]);
            if (h - k != k) spectrum[h - k] = Untangle(zm, zk, twiddles[h - k]);
        }
    }

    /// <summary>X_k = E_k + w O_k with E_k = (Z_k + conj Z_{h-k}) / 2 and O_k = (Z_k - conj Z_{h-k}) / 2i.</summary>
    static Complex Untangle(Complex zk, Complex zm, Complex w)
    {
        var zc = Complex.Conjugate(zm);
        var even = (zk + zc) * 0.5;
        var odd = (zk - zc) * new Complex(0, -0.5);
        return even + w * odd;
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
