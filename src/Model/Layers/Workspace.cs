using Cacophony.Kernels;

namespace Cacophony.Model.Layers;

/// <summary>
/// Work tensors of one forward pass (normed rows, q|k|v, attention output, the MLP's hidden layer) in numbered
/// slots that every layer of the pass reuses; a slot grows when a longer one is asked for. Contents are
/// undefined until written; every user writes a slot in full before reading it.
/// </summary>
sealed class Workspace(IComputeBackend backend) : IDisposable
{
    readonly Tensor?[] _slots = new Tensor?[4];

    public TensorView Get(int slot, long length)
    {
        var tensor = _slots[slot];
        if (tensor is null || tensor.Length < length)
        {
            tensor?.Dispose();
            _slots[slot] = tensor = backend.Allocate(length);
        }
        return tensor.View.Slice(0, length);
    }

    public void Dispose()
    {
        for (int slot = 0; slot < _slots.Length; slot++)
        {
            _slots[slot]?.Dispose();
            _slots[slot] = null;
        }
    }
}
