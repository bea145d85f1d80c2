using System.Buffers;

namespace Cacophony.Model.Layers;

/// <summary>
/// Work buffers of one forward pass (normed rows, q|k|v, attention output, the MLP's hidden layer), in numbered
/// slots reused by every layer of the pass. They are rented from the shared array pool and given back by
/// <see cref="Dispose"/>, so that a pass after the first allocates little beyond what it returns: fresh arrays (9 MB a 5 s
/// clip, all large-object sized) cost ~2,000 page faults a pass and a gen-2 collection every few. A slot's
/// contents are undefined until written; every user writes a buffer in full before reading it.
/// </summary>
public sealed class Scratch : IDisposable
{
    readonly float[]?[] _buffers = new float[]?[4];

    /// <summary>Slot `slot` (0-3) as `length` floats, valid until the next Get of a longer one or Dispose.</summary>
    public Span<float> Get(int slot, int length)
    {
        var buffer = _buffers[slot];
        if (buffer is null || buffer.Length < length)
        {
            if (buffer is not null) ArrayPool<float>.Shared.Return(buffer);
            _buffers[slot] = buffer = ArrayPool<float>.Shared.Rent(length);
        }
        return buffer.AsSpan(0, length);
    }

    public void Dispose()
    {
        for (int slot = 0; slot < _buffers.Length; slot++)
        {
            if (_buffers[slot] is { } buffer) ArrayPool<float>.Shared.Return(buffer);
            _buffers[slot] = null;
        }
    }
}
