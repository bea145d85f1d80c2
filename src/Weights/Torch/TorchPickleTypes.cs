namespace Cacophony.Weights.Torch;

/// <summary>
/// The only Python globals a state_dict pickle may name (<see cref="StateDictUnpickler"/> checks each where it
/// resolves it), and the plain records the rebuilders produce.
/// </summary>
static class TorchPickleTypes
{
    public static readonly IReadOnlyDictionary<string, DType> StorageTypes = new Dictionary<string, DType>
    {
        ["torch.FloatStorage"] = DType.Float32,
        ["torch.HalfStorage"] = DType.Float16,
        ["torch.BFloat16Storage"] = DType.BFloat16,
        ["torch.DoubleStorage"] = DType.Float64,
        ["torch.IntStorage"] = DType.Int32,
        ["torch.LongStorage"] = DType.Int64,
    };

    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StorageTypes.Keys)
    {
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "collections.OrderedDict",
    };

    /// <summary>A storage class such as torch.FloatStorage: the persistent id names it to give the dtype.</summary>
    public sealed record StorageType(DType DType);

    /// <summary>A storage record from a persistent id: ('storage', type, key, location, numel).</summary>
    public sealed record Storage(string Key, DType DType, long ElementCount);

    /// <summary>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]).</summary>
    public sealed record TensorRecord(Storage Storage, long Offset, int[] Shape, long[] Strides);
}
