using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// float32 vector operations for one instruction set. Kernels are written once, generic over this
/// interface, and the JIT specialises each for Vector512, Vector256, Vector128 or plain floats.
/// </summary>
interface IFloatLanes<T> where T : unmanaged
{
    static abstract int Count { get; }
    static abstract T Zero { get; }
    static abstract T Broadcast(float value);
    static abstract T Load(ref float source);
    static abstract void Store(T value, ref float destination);
    /// <summary>a * b + c, fused where the hardware can.</summary>
    static abstract T MultiplyAdd(T a, T b, T c);
    static abstract T Add(T a, T b);
    static abstract T Activate(Activation activation, T value);
}

readonly struct ScalarFloat : IFloatLanes<float>
{
    public static int Count => 1;
    public static float Zero => 0;
    public static float Broadcast(float value) => value;
    public static float Load(ref float source) => source;
    public static void Store(float value, ref float destination) => destination = value;
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float Add(float a, float b) => a + b;
    public static float Activate(Activation activation, float value) => Activations.Apply(activation, value);
}

readonly struct Vector128Float : IFloatLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static Vector128<float> Activate(Activation activation, Vector128<float> value) => Activations.Apply(activation, value);
}

readonly struct Vector256Float : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Activate(Activation activation, Vector256<float> value) => Activations.Apply(activation, value);
}

readonly struct Vector512Float : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Activate(Activation activation, Vector512<float> value) => Activations.Apply(activation, value);
}
