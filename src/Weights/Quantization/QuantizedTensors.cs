namespace Cacophony.Weights.Quantization;

/// <summary>Joins each int8 tensor of a model file with its scale tensor (<c>x</c> and <c>x_scale</c>) into one <see cref="QuantizedTensor"/>.</summary>
public static class QuantizedTensors
{
    /// <summary>
    /// The file's tensors with every int8 tensor and its scales joined. An int8 tensor without scales, or scales of a
    /// shape that broadcasts against neither axis, is an error naming them; a scale tensor without an int8 tensor is
    /// left in place, for the weight binder to report as unexpected.
    /// </summary>
    public static IReadOnlyDictionary<string, SourceTensor> Pair(string file, IReadOnlyDictionary<string, SourceTensor> tensors)
    {
        var paired = new Dictionary<string, SourceTensor>(StringComparer.Ordinal);
        var scaleNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (tensor.DType != DType.Int8) continue;
            string scaleName = ChannelQuantizer.ScaleName(name);
            if (tensor.Shape.Length != 2)
                throw new CheckpointException(file, name, $"is int8 with shape {TensorShape.Format(tensor.Shape)}; only matrices are stored quantized");
            if (!tensors.TryGetValue(scaleName, out var scales))
                throw new CheckpointException(file, name, $"is int8 but its scales '{scaleName}' are missing");
            if (scales.DType != DType.Float32)
                throw new CheckpointException(file, scaleName, $"is {scales.DType.SafeTensorsName()}; scales are F32");
            int axis = AxisOf(tensor.Shape, scales.Shape)
                ?? throw new CheckpointException(file, scaleName, $"has shape {TensorShape.Format(scales.Shape)}, which is neither ({tensor.Shape[0]}, 1) nor (1, {tensor.Shape[1]}) for {name}");
            var values = scales.ReadAllFloat32();
            if (values.Any(s => !float.IsFinite(s) || s < 0))
                throw new CheckpointException(file, scaleName, "holds a negative or non-finite scale");
            paired[name] = new QuantizedTensor(tensor, values, axis);
            scaleNames.Add(scaleName);
        }
        foreach (var (name, tensor) in tensors)
            if (tensor.DType != DType.Int8 && !scaleNames.Contains(name)) paired[name] = tensor;
        return paired;
    }

    static int? AxisOf(int[] shape, int[] scaleShape)
    {
        if (scaleShape.Length != 2) return null;
        // A (1, 1) matrix matches both; either reading gives the same values.
        if (scaleShape[0] == 1 && scaleShape[1] == shape[1]) return 1;
        if (scaleShape[1] == 1 && scaleShape[0] == shape[0]) return 0;
        return null;
    }
}
