using System.Buffers.Binary;
using System.Text;

namespace Cacophony.Weights.Torch;

/// <summary>
/// The pickle machine for a torch.save state_dict, and nothing more. Every global is checked against
/// <see cref="TorchPickleTypes.Allowed"/> where it is resolved (GLOBAL, STACK_GLOBAL), so what is checked is what
/// is used: no separate scan that could read the opcodes differently. REDUCE calls only the allow-listed
/// rebuilders, implemented here as records; opcodes a state_dict never uses (object construction, extension
/// codes, text protocol 0 forms of globals) are refused.
/// </summary>
sealed class StateDictUnpickler(byte[] pickle, Func<object?[], object> persistentLoad)
{
    /// <summary>A mutable dict (dict or OrderedDict), its items in insertion order.</summary>
    public sealed class Dict
    {
        public List<KeyValuePair<object?, object?>> Items { get; } = [];
    }

    /// <summary>An allow-listed global as pushed by GLOBAL / STACK_GLOBAL.</summary>
    sealed record Global(string Name);

    sealed class Mark;

    readonly List<object?> _stack = [];
    readonly Dictionary<long, object?> _memo = [];
    int _pos;

    public object? Load()
    {
        while (true)
        {
            if (_pos >= pickle.Length) throw new FormatException("pickle ends before its STOP opcode");
            byte op = pickle[_pos++];
            switch (op)
            {
                case 0x80: Take(1); break;                                      // PROTO
                case 0x95: Take(8); break;                                      // FRAME
                case (byte)'.': return Pop();                                   // STOP
                case (byte)'(': Push(new Mark()); break;                        // MARK
                case (byte)'0': Pop(); break;                                   // POP
                case (byte)'1': PopToMark(); break;                             // POP_MARK
                case (byte)'2': Push(Top()); break;                             // DUP
                case (byte)'N': Push(null); break;                              // NONE
                case 0x88: Push(true); break;                                   // NEWTRUE
                case 0x89: Push(false); break;                                  // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': Push((long)Take(1)[0]); break;                  // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: Push(Long(Take(Length(1)))); break;                  // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': Push(Utf8(Take(Length(4)))); break;             // BINUNICODE
                case 0x8c: Push(Utf8(Take(Length(1)))); break;                  // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(Length(8)))); break;                  // BINUNICODE8
                case (byte)'T': Push(Latin1(Take(Length(4)))); break;           // BINSTRING
                case (byte)'U': Push(Latin1(Take(Length(1)))); break;           // SHORT_BINSTRING
                case (byte)'B': Push(Take(Length(4)).ToArray()); break;         // BINBYTES
                case (byte)'C': Push(Take(Length(1)).ToArray()); break;         // SHORT_BINBYTES
                case (byte)')': Push(Array.Empty<object?>()); break;            // EMPTY_TUPLE
                case 0x85: Push(new[] { Pop() }); break;                        // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'t': Push(PopToMark().ToArray()); break;             // TUPLE
                case (byte)']': Push(new List<object?>()); break;               // EMPTY_LIST
                case (byte)'l': Push(PopToMark()); break;                       // LIST
                case (byte)'a': { var item = Pop(); ListOf(Top()).Add(item); break; }        // APPEND
                case (byte)'e': { var items = PopToMark(); ListOf(Top()).AddRange(items); break; } // APPENDS
                case (byte)'}': Push(new Dict()); break;                        // EMPTY_DICT
                case (byte)'d': { var dict = new Dict(); AddPairs(dict, PopToMark()); Push(dict); break; } // DICT
                case (byte)'s': { var value = Pop(); var key = Pop(); DictOf(Top()).Items.Add(new(key, value)); break; } // SETITEM
                case (byte)'u': { var pairs = PopToMark(); AddPairs(DictOf(Top()), pairs); break; } // SETITEMS
                case (byte)'c': Push(Resolve(Line(), Line())); break;           // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Resolve(module as string, name as string)); break; } // STACK_GLOBAL
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Call(callable, args)); break; } // REDUCE
                case (byte)'b': { var state = Pop(); Build(Top(), state); break; } // BUILD
                case (byte)'Q': Push(persistentLoad(Pop() as object?[] ?? throw new FormatException("a persistent id that is not a tuple"))); break; // BINPERSID
                case (byte)'q': _memo[Length(1)] = Top(); break;                // BINPUT
                case (byte)'r': _memo[Length(4)] = Top(); break;                // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Top(); break;                   // MEMOIZE
                case (byte)'h': Push(Memo(Length(1))); break;                   // BINGET
                case (byte)'j': Push(Memo(Length(4))); break;                   // LONG_BINGET
                default:
                    throw new FormatException($"opcode 0x{op:x2} at byte {_pos - 1}, which a state_dict pickle does not use");
            }
        }
    }

    static object Resolve(string? module, string? name)
    {
        if (module is null || name is null) throw new FormatException("STACK_GLOBAL without a module and a name as strings");
        string global = module + "." + name;
        if (!TorchPickleTypes.Allowed.Contains(global))
            throw new DisallowedGlobalException(global);
        return TorchPickleTypes.StorageTypes.TryGetValue(global, out var dtype) ? new TorchPickleTypes.StorageType(dtype) : new Global(global);
    }

    static object Call(object? callable, object? args)
    {
        if (callable is not Global global) throw new FormatException($"REDUCE calls a {Describe(callable)}, not an allow-listed function");
        var a = args as object?[] ?? throw new FormatException($"REDUCE of {global.Name} with arguments that are not a tuple");
        return global.Name switch
        {
            "torch._utils._rebuild_tensor_v2" => RebuildTensor(a),
            "torch._utils._rebuild_parameter" => a.Length >= 1 && a[0] is TorchPickleTypes.TensorRecord tensor ? tensor : throw new FormatException("_rebuild_parameter without a tensor"),
            "collections.OrderedDict" => a.Length == 0 ? new Dict() : throw new FormatException("OrderedDict called with arguments"),
            _ => throw new FormatException($"{global.Name} is not callable"),
        };
    }

    /// <summary>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]).</summary>
    static TorchPickleTypes.TensorRecord RebuildTensor(object?[] a)
    {
        if (a.Length < 4 || a[0] is not TorchPickleTypes.Storage storage) throw new FormatException("_rebuild_tensor_v2 without a storage");
        if (a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride || size.Length != stride.Length)
            throw new FormatException("_rebuild_tensor_v2 with an offset, size or stride of the wrong type");
        var shape = size.Select(d => d is long v && v >= 0 && v <= int.MaxValue ? (int)v : throw new FormatException($"tensor dimension {d} out of range")).ToArray();
        var strides = stride.Select(d => d is long v && v >= 0 ? v : throw new FormatException($"tensor stride {d} out of range")).ToArray();
        if (offset < 0) throw new FormatException($"storage offset {offset} is negative");
        if (!TensorShape.TryElementCount(shape, out _)) throw new FormatException($"tensor shape {TensorShape.Format(shape)} has too many elements");
        return new TorchPickleTypes.TensorRecord(storage, offset, shape, strides);
    }

    /// <summary>BUILD: a state_dict's OrderedDict receives its _metadata, which is dropped; nothing else is built.</summary>
    static void Build(object? target, object? state)
    {
        if (target is not Dict) throw new FormatException($"BUILD on a {Describe(target)}");
        _ = state;
    }

    object? Memo(long index) => _memo.TryGetValue(index, out var value) ? value : throw new FormatException($"memo {index} read before it is written");

    void Push(object? value) => _stack.Add(value);

    object? Pop()
    {
        if (_stack.Count == 0 || _stack[^1] is Mark) throw new FormatException("stack underflow");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    object? Top() => _stack.Count == 0 || _stack[^1] is Mark ? throw new FormatException("stack underflow") : _stack[^1];

    List<object?> PopToMark()
    {
        int mark = _stack.FindLastIndex(v => v is Mark);
        if (mark < 0) throw new FormatException("no MARK on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    static List<object?> ListOf(object? value) => value as List<object?> ?? throw new FormatException($"APPEND to a {Describe(value)}");

    static Dict DictOf(object? value) => value as Dict ?? throw new FormatException($"SETITEM on a {Describe(value)}");

    static void AddPairs(Dict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new FormatException("an odd number of items for key-value pairs");
        for (int i = 0; i < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
    }

    static string Describe(object? value) => value?.GetType().Name ?? "None";

    ReadOnlySpan<byte> Take(long count)
    {
        if (count < 0 || count > pickle.Length - _pos) throw new FormatException("pickle truncated inside an opcode");
        var span = pickle.AsSpan(_pos, (int)count);
        _pos += (int)count;
        return span;
    }

    long Length(int width)
    {
        var bytes = Take(width);
        ulong value = 0;
        for (int i = width - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (value > int.MaxValue) throw new FormatException("pickle length out of range");
        return (long)value;
    }

    string Line()
    {
        int end = Array.IndexOf(pickle, (byte)'\n', _pos);
        if (end < 0) throw new FormatException("pickle truncated inside a GLOBAL");
        string text = Encoding.UTF8.GetString(pickle, _pos, end - _pos);
        _pos = end + 1;
        return text;
    }

    /// <summary>LONG1: a little-endian two's-complement integer; a state_dict's fit in 64 bits.</summary>
    static long Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 8) throw new FormatException("an integer wider than 64 bits");
        if (bytes.Length == 0) return 0;
        long value = (sbyte)bytes[^1];
        for (int i = bytes.Length - 2; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }

    static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}

/// <summary>A pickle named a Python global outside the state_dict allow-list (nothing was called).</summary>
sealed class DisallowedGlobalException(string global) : FormatException($"names the Python global '{global}'")
{
    public string Global { get; } = global;
}
