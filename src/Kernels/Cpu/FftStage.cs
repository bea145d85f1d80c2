using System.Numerics;

namespace Cacophony.Kernels.Cpu;

public sealed partial class FftPlan
{
    /// <summary>
    /// One Stockham stage of radix p on sub-transforms of length L = p*m, applied to `stride` interleaved
    /// sequences: for t &lt; m and each sequence q, the p inputs x[q + stride*(t + r*m)] (r &lt; p) give
    /// b_u = DFT_p(a)_u * w^(t*u), written to y[q + stride*(p*t + u)].
    /// </summary>
    sealed class Stage
    {
        readonly Complex[] _twiddles; // [t * p + u] = exp(-2 pi i t u / L)
        readonly Complex[] _roots;    // exp(-2 pi i k / p), for the direct DFT of odd prime radices

        public int Radix { get; }
        int M { get; }

        public Stage(int radix, int length)
        {
            Radix = radix;
            M = length / radix;
            _twiddles = new Complex[M * radix];
            for (int t = 0; t < M; t++)
                for (int u = 0; u < radix; u++)
                    _twiddles[t * radix + u] = Twiddle((long)t * u, length);
            _roots = new Complex[radix];
            for (int k = 0; k < radix; k++) _roots[k] = Twiddle(k, radix);
        }

        public void Apply(ReadOnlySpan<Complex> x, Span<Complex> y, int stride)
        {
            int p = Radix, m = M;
            Span<Complex> a = stackalloc Complex[p];
            Span<Complex> b = stackalloc Complex[p];
            for (int t = 0; t < m; t++)
            {
                var w = _twiddles.AsSpan(t * p, p);
                for (int q = 0; q < stride; q++)
                {
                    for (int r = 0; r < p; r++) a[r] = x[q + stride * (t + r * m)];
                    Butterfly(a, b);
                    int output = q + stride * p * t;
                    y[output] = b[0];
                    for (int u = 1; u < p; u++) y[output + stride * u] = b[u] * w[u];
                }
            }
        }

        /// <summary>b = DFT_p(a).</summary>
        void Butterfly(ReadOnlySpan<Complex> a, Span<Complex> b)
        {
            switch (Radix)
            {
                case 2:
                    b[0] = a[0] + a[1];
                    b[1] = a[0] - a[1];
                    return;
                case 3:
                {
                    // exp(-2 pi i / 3) = -1/2 - i sqrt(3)/2
                    const double s = 0.86602540378443864676;
                    var sum = a[1] + a[2];
                    var diff = a[1] - a[2];
                    var mid = a[0] - 0.5 * sum;
                    var rot = new Complex(diff.Imaginary * s, -diff.Real * s); // -i s (a1 - a2)
                    b[0] = a[0] + sum;
                    b[1] = mid + rot;
                    b[2] = mid - rot;
                    return;
                }
                case 4:
                {
                    var s02 = a[0] + a[2];
                    var d02 = a[0] - a[2];
                    var s13 = a[1] + a[3];
                    var d13 = a[1] - a[3];
                    var rot = new Complex(d13.Imaginary, -d13.Real); // -i (a1 - a3)
                    b[0] = s02 + s13;
                    b[1] = d02 + rot;
                    b[2] = s02 - s13;
                    b[3] = d02 - rot;
                    return;
                }
                default:
                    // Direct DFT for 5 and the other small primes: b_u = sum_r a_r exp(-2 pi i r u / p).
                    int p = Radix;
                    for (int u = 0; u < p; u++)
                    {
                        var acc = a[0];
                        for (int r = 1; r < p; r++) acc += a[r] * _roots[r * u % p];
                        b[u] = acc;
                    }
                    return;
            }
        }
    }
}
