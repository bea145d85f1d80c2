namespace Cacophony.Model.Captioning;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose sequence is fixed by its definition,
/// so seeded captions are the same on every runtime version (System.Random's algorithm is not promised).
/// </summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A double in [0, 1) from the top 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>The generator of clip `stream` under `seed`: independent of batching and thread count.</summary>
    public static SplitMix64 ForStream(ulong seed, ulong stream)
    {
        var mixer = new SplitMix64(seed ^ (stream * 0xD1B54A32D192ED03UL));
        return new SplitMix64(mixer.Next());
    }
}
