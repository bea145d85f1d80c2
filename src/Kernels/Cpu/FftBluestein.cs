using System.Numerics;

namespace Cacophony.Kernels.Cpu;

public sealed partial class FftPlan
{
    /// <summary>
    /// Bluestein: with w_j = exp(-pi i j^2 / n), jk = (j^2 + k^2 - (k - j)^2) / 2 turns the DFT into
    /// X_k = w_k * sum_j (x_j w_j) conj(w_{k-j}), a circular convolution of length M = 2^r &gt;= 2n - 1.
    /// </summary>
    sealed class Bluestein
    {
        readonly int _n;
        readonly Complex[] _chirp;          // w_j, j < n
        readonly Complex[] _kernelSpectrum; // FFT_M of conj(w) laid out circularly
        readonly FftPlan _inner;

        public Bluestein(int n)
        {
            _n = n;
            int m = 1;
            while (m < 2 * n - 1) m <<= 1;
            _inner = Get(m);
            _chirp = new Complex[n];
            // j^2 is reduced modulo 2n before scaling, so the angle keeps full precision for large j.
            for (int j = 0; j < n; j++) _chirp[j] = Twiddle((long)j * j % (2L * n), 2L * n);
            _kernelSpectrum = new Complex[m];
            _kernelSpectrum[0] = Complex.Conjugate(_chirp[0]);
            for (int j = 1; j < n; j++) _kernelSpectrum[j] = _kernelSpectrum[m - j] = Complex.Conjugate(_chirp[j]);
            _inner.Forward(_kernelSpectrum);
        }

        public void Forward(Span<Complex> data)
        {
            int m = _inner.Length;
            var work = new Complex[m];
            for (int j = 0; j < _n; j++) work[j] = data[j] * _chirp[j];
            _inner.Forward(work);
            for (int k = 0; k < m; k++) work[k] *= _kernelSpectrum[k];
            _inner.Inverse(work);
            double scale = 1.0 / m;
            for (int k = 0; k < _n; k++) data[k] = work[k] * _chirp[k] * scale;
        }
    }
}
