namespace Cacophony.Eval.Hear;

/// <summary>
/// CPython's random.Random for an integer seed, as far as hear-eval-kit uses it (prng.seed(0) then
/// prng.shuffle per split): MT19937 seeded with init_by_array of the seed's 32-bit words, getrandbits(k) =
/// the next word's top k bits, _randbelow by rejection, shuffle as Fisher-Yates from the end.
/// </summary>
public sealed class PythonRandom
{
    const int N = 624, M = 397;
    readonly uint[] _state = new uint[N];
    int _index = N;

    public PythonRandom(uint seed)
    {
        // init_genrand(19650218), then init_by_array([seed]) (Python's seed for a non-negative int below 2^32).
        uint[] key = [seed];
        _state[0] = 19650218U;
        for (int i = 1; i < N; i++) _state[i] = 1812433253U * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        int a = 1, b = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _state[a] = (_state[a] ^ ((_state[a - 1] ^ (_state[a - 1] >> 30)) * 1664525U)) + key[b] + (uint)b;
            a++; b++;
            if (a >= N) { _state[0] = _state[N - 1]; a = 1; }
            if (b >= key.Length) b = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _state[a] = (_state[a] ^ ((_state[a - 1] ^ (_state[a - 1] >> 30)) * 1566083941U)) - (uint)a;
            a++;
            if (a >= N) { _state[0] = _state[N - 1]; a = 1; }
        }
        _state[0] = 0x80000000U;
    }

    public uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int i = 0; i < N; i++)
            {
                uint y = (_state[i] & 0x80000000U) | (_state[(i + 1) % N] & 0x7fffffffU);
                _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfU : 0);
            }
            _index = 0;
        }
        uint x = _state[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680U;
        x ^= (x << 15) & 0xefc60000U;
        return x ^ (x >> 18);
    }

    /// <summary>getrandbits(k) for 1 &lt;= k &lt;= 32.</summary>
    public uint GetRandomBits(int k) => NextUInt32() >> (32 - k);

    /// <summary>_randbelow(n): getrandbits(n.bit_length()) until below n.</summary>
    public int Below(int n)
    {
        int bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandomBits(bits);
        while (r >= n) r = GetRandomBits(bits);
        return (int)r;
    }

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
