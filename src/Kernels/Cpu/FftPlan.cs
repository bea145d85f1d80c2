using System.Collections.Concurrent;
using System.Numerics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Complex discrete Fourier transform of any length, in float64:
/// <c>X[k] = sum_j x[j] exp(-2 pi i j k / n)</c> (forward, unnormalized; inverse uses +i and no 1/n).
///
/// Lengths whose prime factors are all small run a self-sorting mixed-radix Stockham FFT: each stage
/// of radix p splits the current length L = p*m into p interleaved sub-sequences, computes p-point
/// DFTs across them (specialised for p = 2, 3, 4, 5; a direct O(p^2) DFT for 7, 11, 13), multiplies by
/// the twiddles exp(-2 pi i t u / L) and writes them back in natural order, so no bit reversal is
/// needed. Lengths with a prime factor above 13 use Bluestein's algorithm: the DFT as a chirp
/// convolution, evaluated with a power-of-two FFT of at least 2n - 1 points.
/// Plans are immutable, thread-safe and cached per length.
/// </summary>
public sealed partial class FftPlan
{
    const int LargestDirectRadix = 13;

    /// <summary>
    /// Plans up to this length are cached and keep full twiddle tables; longer ones (an hour of audio
    /// is 10^8 points) compute twiddles as they go and are not kept, so their tables never outlive the call.
    /// </summary>
    internal const int LargestTabulatedLength = 1 << 22;

    static readonly ConcurrentDictionary<int, FftPlan> Cache = new();

    readonly Stage[] _stages;
    readonly Bluestein? _bluestein;

    public int Length { get; }

    public static FftPlan Get(int length) => length <= LargestTabulatedLength ? Cache.GetOrAdd(length, n => new FftPlan(n)) : new FftPlan(length);

    FftPlan(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
        var radices = Factor(length);
        if (radices.Any(p => p > LargestDirectRadix))
        {
            _stages = [];
            _bluestein = new Bluestein(length);
            return;
        }
        var stages = new List<Stage>();
        int current = length;
        foreach (int p in radices)
        {
            stages.Add(new Stage(p, current));
            current /= p;
        }
        _stages = [.. stages];
    }

    /// <summary>In place: data becomes its DFT.</summary>
    public void Forward(Span<Complex> data) => Transform(data, inverse: false);

    /// <summary>In place, unnormalized: Forward then Inverse multiplies by n.</summary>
    public void Inverse(Span<Complex> data) => Transform(data, inverse: true);

    void Transform(Span<Complex> data, bool inverse)
    {
        if (data.Length != Length) throw new ArgumentException($"plan of length {Length} given {data.Length} values");
        if (Length == 1) return;
        // The inverse is the conjugate of the forward transform of the conjugate.
        if (inverse) Conjugate(data);
        if (_bluestein is not null) _bluestein.Forward(data);
        else RunStages(data);
        if (inverse) Conjugate(data);
    }

    void RunStages(Span<Complex> data)
    {
        var work = new Complex[Length];
        Span<Complex> x = data, y = work;
        int stride = 1;
        foreach (var stage in _stages)
        {
            stage.Apply(x, y, stride);
            stride *= stage.Radix;
            var swap = x;
            x = y;
            y = swap;
        }
        if (!x.Overlaps(data)) x.CopyTo(data);
    }

    static void Conjugate(Span<Complex> data)
    {
        for (int i = 0; i < data.Length; i++) data[i] = Complex.Conjugate(data[i]);
    }

    /// <summary>Radices in the order the stages use them: 4s first (fewest stages), then 2, 3, 5, larger primes.</summary>
    static List<int> Factor(int n)
    {
        var radices = new List<int>();
        while (n % 4 == 0) { radices.Add(4); n /= 4; }
        foreach (int p in new[] { 2, 3, 5 })
            while (n % p == 0) { radices.Add(p); n /= p; }
        for (int p = 7; (long)p * p <= n; p += 2)
            while (n % p == 0) { radices.Add(p); n /= p; }
        if (n > 1) radices.Add(n);
        return radices;
    }

    /// <summary>exp(-2 pi i k / n), with k reduced first so that large products stay exact.</summary>
    internal static Complex Twiddle(long k, long n)
    {
        k %= n;
        var (sin, cos) = Math.SinCos(-2 * Math.PI * k / n);
        return new Complex(cos, sin);
    }
}
