using System.Numerics;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

public sealed partial class FftPlan
{
    /// <summary>
    /// One Stockham stage of radix p on sub-transforms of length L = p*m, applied to `stride` interleaved
    /// sequences: for t &lt; m and each sequence q, the p inputs x[q + stride*(t + r*m)] (r &lt; p) give
    /// b_u = DFT_p(a)_u * w^(t*u), written to y[q + stride*(p*t + u)]. Consecutive q are contiguous in
    /// memory, so the q loop runs two complex numbers per Vector256 when stride allows.
    /// </summary>
    sealed class Stage
    {
        readonly Complex[]? _twiddles; // [t * p + u] = exp(-2 pi i t u / L); null for very long stages
        readonly int _length;
        readonly Complex[] _roots;    // exp(-2 pi i k / p), for the direct DFT of the larger primes

        public int Radix { get; }
        int M { get; }

        public Stage(int radix, int length)
        {
            Radix = radix;
            M = length / radix;
            _length = length;
            _roots = new Complex[radix];
            for (int k = 0; k < radix; k++) _roots[k] = Twiddle(k, radix);
            if (length > LargestTabulatedLength) return;
            _twiddles = new Complex[M * radix];
            for (int t = 0; t < M; t++)
                for (int u = 0; u < radix; u++)
                    _twiddles[t * radix + u] = Twiddle((long)t * u, length);
        }

        public void Apply(ReadOnlySpan<Complex> x, Span<Complex> y, int stride)
        {
            int vectorized = Vector256.IsHardwareAccelerated ? stride / 2 * 2 : 0;
            if (vectorized > 0) Apply<Vector256Lanes, Vector256<double>>(x, y, stride, 0, vectorized);
            if (vectorized < stride) Apply<ScalarLanes, Complex>(x, y, stride, vectorized, stride);
        }

        /// <summary>Sequences q in [from, to), in steps of TLanes.Count.</summary>
        void Apply<TLanes, T>(ReadOnlySpan<Complex> x, Span<Complex> y, int stride, int from, int to)
            where TLanes : IComplexLanes<T> where T : unmanaged
        {
            int p = Radix, m = M;
            Span<T> a = stackalloc T[p];
            Span<Complex> computed = stackalloc Complex[p];
            for (int t = 0; t < m; t++)
            {
                var w = _twiddles is null ? StageTwiddles(t, computed) : _twiddles.AsSpan(t * p, p);
                for (int q = from; q < to; q += TLanes.Count)
                {
                    for (int r = 0; r < p; r++) a[r] = TLanes.Load(x, q + stride * (t + r * m));
                    Butterfly<TLanes, T>(a);
                    int output = q + stride * p * t;
                    TLanes.Store(y, output, a[0]);
                    for (int u = 1; u < p; u++) TLanes.Store(y, output + stride * u, TLanes.Multiply(a[u], w[u]));
                }
            }
        }

        /// <summary>exp(-2 pi i t u / L) for u &lt; p, each computed directly (no recurrence, so no error build-up).</summary>
        Span<Complex> StageTwiddles(int t, Span<Complex> w)
        {
            for (int u = 0; u < w.Length; u++) w[u] = Twiddle((long)t * u, _length);
            return w;
        }

        /// <summary>a = DFT_p(a), in place.</summary>
        void Butterfly<TLanes, T>(Span<T> a) where TLanes : IComplexLanes<T> where T : unmanaged
        {
            switch (Radix)
            {
                case 2:
                {
                    var (a0, a1) = (a[0], a[1]);
                    a[0] = TLanes.Add(a0, a1);
                    a[1] = TLanes.Subtract(a0, a1);
                    return;
                }
                case 3:
                {
                    // exp(-2 pi i / 3) = -1/2 - i sqrt(3)/2
                    var sum = TLanes.Add(a[1], a[2]);
                    var mid = TLanes.Subtract(a[0], TLanes.Scale(sum, 0.5));
                    var rot = TLanes.MinusI(TLanes.Scale(TLanes.Subtract(a[1], a[2]), Sin60));
                    a[0] = TLanes.Add(a[0], sum);
                    a[1] = TLanes.Add(mid, rot);
                    a[2] = TLanes.Subtract(mid, rot);
                    return;
                }
                case 4:
                {
                    var s02 = TLanes.Add(a[0], a[2]);
                    var d02 = TLanes.Subtract(a[0], a[2]);
                    var s13 = TLanes.Add(a[1], a[3]);
                    var rot = TLanes.MinusI(TLanes.Subtract(a[1], a[3]));
                    a[0] = TLanes.Add(s02, s13);
                    a[1] = TLanes.Add(d02, rot);
                    a[2] = TLanes.Subtract(s02, s13);
                    a[3] = TLanes.Subtract(d02, rot);
                    return;
                }
                case 5:
                {
                    // b1,4 = a0 + c1 t1 + c2 t2 -/+ i (s1 t3 + s2 t4); b2,3 = a0 + c2 t1 + c1 t2 -/+ i (s2 t3 - s1 t4)
                    var t1 = TLanes.Add(a[1], a[4]);
                    var t2 = TLanes.Add(a[2], a[3]);
                    var t3 = TLanes.Subtract(a[1], a[4]);
                    var t4 = TLanes.Subtract(a[2], a[3]);
                    var m1 = TLanes.Add(a[0], TLanes.Add(TLanes.Scale(t1, Cos72), TLanes.Scale(t2, Cos144)));
                    var m2 = TLanes.Add(a[0], TLanes.Add(TLanes.Scale(t1, Cos144), TLanes.Scale(t2, Cos72)));
                    var n1 = TLanes.MinusI(TLanes.Add(TLanes.Scale(t3, Sin72), TLanes.Scale(t4, Sin144)));
                    var n2 = TLanes.MinusI(TLanes.Subtract(TLanes.Scale(t3, Sin144), TLanes.Scale(t4, Sin72)));
                    a[0] = TLanes.Add(a[0], TLanes.Add(t1, t2));
                    a[1] = TLanes.Add(m1, n1);
                    a[4] = TLanes.Subtract(m1, n1);
                    a[2] = TLanes.Add(m2, n2);
                    a[3] = TLanes.Subtract(m2, n2);
                    return;
                }
                default:
                {
                    // Direct DFT for the other small primes: b_u = sum_r a_r exp(-2 pi i r u / p).
                    int p = Radix;
                    Span<T> b = stackalloc T[p];
                    for (int u = 0; u < p; u++)
                    {
                        var acc = a[0];
                        for (int r = 1; r < p; r++) acc = TLanes.Add(acc, TLanes.Multiply(a[r], _roots[r * u % p]));
                        b[u] = acc;
                    }
                    b.CopyTo(a);
                    return;
                }
            }
        }

        const double Sin60 = 0.86602540378443864676;
        static readonly double Cos72 = Math.Cos(2 * Math.PI / 5), Cos144 = Math.Cos(4 * Math.PI / 5);
        static readonly double Sin72 = Math.Sin(2 * Math.PI / 5), Sin144 = Math.Sin(4 * Math.PI / 5);
    }
}
