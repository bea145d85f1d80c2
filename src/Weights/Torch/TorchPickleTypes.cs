using System.Collections;
using Razorvine.Pickle;

namespace Cacophony.Weights.Torch;

/// <summary>
/// The only Python callables a state_dict pickle may name, as Razorvine constructors that build
/// plain records. Razorvine's registry is process-wide, so they are registered once and carry no
/// per-file state (storages are resolved by the unpickler's persistentLoad).
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

    static readonly Lock Gate = new();
    static bool _registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameter());
            Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
            foreach (var (name, dtype) in StorageTypes)
            {
                int dot = name.LastIndexOf('.');
                Unpickler.registerConstructor(name[..dot], name[(dot + 1)..], new StorageType(dtype));
            }
            _registered = true;
        }
    }

    /// <summary>A storage class such as torch.FloatStorage: the persistent id names it to give the dtype.</summary>
    public sealed class StorageType(DType dtype) : IObjectConstructor
    {
        public DType DType { get; } = dtype;
        public object construct(object[] args) => throw new PickleException("storage types are not constructed directly");
    }

    /// <summary>A storage record from a persistent id: ('storage', type, key, location, numel).</summary>
    public sealed record Storage(string Key, DType DType, long ElementCount);

    /// <summary>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]).</summary>
    public sealed record TensorRecord(Storage Storage, long Offset, int[] Shape, long[] Strides);

    sealed class RebuildTensor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Storage storage)
                throw new PickleException("_rebuild_tensor_v2 without a storage");
            var shape = ((object[])args[2]).Select(d => checked((int)Convert.ToInt64(d))).ToArray();
            var strides = ((object[])args[3]).Select(Convert.ToInt64).ToArray();
            return new TensorRecord(storage, Convert.ToInt64(args[1]), shape, strides);
        }
    }

    sealed class RebuildParameter : IObjectConstructor
    {
        public object construct(object[] args) => args[0];
    }

    sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new OrderedDictRecord();
    }

    /// <summary>OrderedDict: SETITEMS fills it as a Hashtable; BUILD hands it the state_dict's _metadata, which we drop.</summary>
    public sealed class OrderedDictRecord : Hashtable
    {
        public void __setstate__(Hashtable state) { }
    }
}
