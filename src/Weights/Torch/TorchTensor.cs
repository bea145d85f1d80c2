namespace Cacophony.Weights.Torch;

/// <summary>A tensor of a .pt file: a view (offset, shape, strides) into one storage of the zip.</summary>
sealed class TorchTensor : SourceTensor
{
    readonly TorchCheckpoint _checkpoint;
    readonly TorchPickleTypes.TensorRecord _record;

    public TorchTensor(TorchCheckpoint checkpoint, string name, TorchPickleTypes.TensorRecord record)
        : base(name, record.Storage.DType, record.Shape)
    {
        _checkpoint = checkpoint;
        _record = record;
        long last = record.Offset;
        try
        {
            for (int d = 0; d < record.Shape.Length; d++)
                if (record.Shape[d] > 0) last = checked(last + (record.Shape[d] - 1) * record.Strides[d]);
        }
        catch (OverflowException)
        {
            last = long.MaxValue; // strides that overflow reach past any storage
        }
        if (record.Offset < 0 || (ElementCount > 0 && last >= record.Storage.ElementCount))
            throw new CheckpointException(checkpoint.Path, name, $"view (offset {record.Offset}, shape {TensorShape.Format(record.Shape)}) reaches past its storage of {record.Storage.ElementCount} elements");
    }

    bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && _record.Strides[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    public override void ReadFloat32(long start, Span<float> destination)
    {
        if (start < 0 || start + destination.Length > ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{Name}: elements [{start}, {start + destination.Length}) outside {ElementCount}");
        var storage = _checkpoint.StorageBytes(_record.Storage);
        int size = DType.Size();
        if (IsContiguous)
        {
            ElementConversion.ToFloat32(DType, storage.AsSpan(checked((int)((_record.Offset + start) * size)), destination.Length * size), destination);
            return;
        }
        // A strided view: walk the logical C-order index and gather one element at a time.
        var one = new float[1];
        for (int i = 0; i < destination.Length; i++)
        {
            long linear = start + i, element = _record.Offset;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                element += linear % Shape[d] * _record.Strides[d];
                linear /= Shape[d];
            }
            ElementConversion.ToFloat32(DType, storage.AsSpan(checked((int)(element * size)), size), one);
            destination[i] = one[0];
        }
    }
}
