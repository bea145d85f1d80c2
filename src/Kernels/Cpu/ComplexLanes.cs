using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// Complex arithmetic over "lanes": one complex number (scalar) or two packed as
/// [re0, im0, re1, im1] in a Vector256&lt;double&gt;. FFT butterflies are written once, generic over
/// this interface; the JIT specialises them per struct, as TensorPrimitives does with its operators.
/// </summary>
interface IComplexLanes<T> where T : unmanaged
{
    /// <summary>Complex numbers per value.</summary>
    static abstract int Count { get; }
    static abstract T Load(ReadOnlySpan<Complex> source, int index);
    static abstract void Store(Span<Complex> destination, int index, T value);
    static abstract T Add(T a, T b);
    static abstract T Subtract(T a, T b);
    static abstract T Scale(T a, double factor);
    /// <summary>-i * a.</summary>
    static abstract T MinusI(T a);
    /// <summary>a * (re + i im), the same factor in every lane.</summary>
    static abstract T Multiply(T a, Complex factor);
}

readonly struct ScalarLanes : IComplexLanes<Complex>
{
    public static int Count => 1;
    public static Complex Load(ReadOnlySpan<Complex> source, int index) => source[index];
    public static void Store(Span<Complex> destination, int index, Complex value) => destination[index] = value;
    public static Complex Add(Complex a, Complex b) => a + b;
    public static Complex Subtract(Complex a, Complex b) => a - b;
    public static Complex Scale(Complex a, double factor) => a * factor;
    public static Complex MinusI(Complex a) => new(a.Imaginary, -a.Real);
    public static Complex Multiply(Complex a, Complex factor) => a * factor;
}

readonly struct Vector256Lanes : IComplexLanes<Vector256<double>>
{
    public static int Count => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(ReadOnlySpan<Complex> source, int index) =>
        Vector256.LoadUnsafe(ref Unsafe.As<Complex, double>(ref Unsafe.AsRef(in source[index])));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Span<Complex> destination, int index, Vector256<double> value) =>
        value.StoreUnsafe(ref Unsafe.As<Complex, double>(ref destination[index]));

    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;
    public static Vector256<double> Scale(Vector256<double> a, double factor) => a * Vector256.Create(factor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MinusI(Vector256<double> a) =>
        Vector256.Shuffle(a, Vector256.Create(1L, 0, 3, 2)) * Vector256.Create(1.0, -1.0, 1.0, -1.0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> a, Complex factor)
    {
        // (ar + i ai)(wr + i wi) = (ar wr - ai wi) + i (ar wi + ai wr)
        var swapped = Vector256.Shuffle(a, Vector256.Create(1L, 0, 3, 2));
        return a * Vector256.Create(factor.Real) + swapped * Vector256.Create(-factor.Imaginary, factor.Imaginary, -factor.Imaginary, factor.Imaginary);
    }
}
