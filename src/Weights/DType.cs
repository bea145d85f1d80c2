namespace Cacophony.Weights;

/// <summary>Element types that checkpoints store and we can read.</summary>
public enum DType
{
    Float32,
    Float16,
    BFloat16,
    Float64,
    Int32,
    Int64,
    /// <summary>Quantized weights (model directories written by `cacophony quantize`), always with a float32 scale tensor.</summary>
    Int8,
}

public static class DTypes
{
    public static int Size(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Float64 or DType.Int64 => 8,
        DType.Int8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static bool IsFloat(this DType dtype) => dtype is DType.Float32 or DType.Float16 or DType.BFloat16 or DType.Float64;

    /// <summary>numpy's dtype.name, as Flax writes it.</summary>
    public static DType? FromNumpyName(string name) => name switch
    {
        "float32" => DType.Float32,
        "float16" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        "float64" => DType.Float64,
        "int32" => DType.Int32,
        "int64" => DType.Int64,
        "int8" => DType.Int8,
        _ => null,
    };

    /// <summary>The dtype strings of the safetensors header.</summary>
    public static string SafeTensorsName(this DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Int8 => "I8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static DType? FromSafeTensorsName(string name) => name switch
    {
        "F32" => DType.Float32,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "I8" => DType.Int8,
        _ => null,
    };

    /// <summary>The spelling of config.json's weights_dtype.</summary>
    public static string OptionName(this DType dtype) => dtype switch
    {
        DType.Float32 => "f32",
        DType.Float16 => "f16",
        DType.BFloat16 => "bf16",
        DType.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), $"weights are not stored as {dtype}"),
    };

    /// <summary>The option spelling used on the command line and in config.json.</summary>
    public static DType? FromOptionName(string name) => name.ToLowerInvariant() switch
    {
        "f32" or "fp32" or "float32" => DType.Float32,
        "f16" or "fp16" or "float16" => DType.Float16,
        "bf16" or "bfloat16" => DType.BFloat16,
        "int8" or "i8" => DType.Int8,
        _ => null,
    };
}
