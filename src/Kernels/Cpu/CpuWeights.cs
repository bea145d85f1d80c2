namespace Cacophony.Kernels.Cpu;

/// <summary>A dense layer on the CPU engine: W packed once for the GEMM micro-kernel, b as given.</summary>
sealed class CpuLinear(PackedMatrix weight, float[] bias) : LinearWeights
{
    public PackedMatrix Weight { get; } = weight;
    public float[] Bias { get; } = bias;
    public override int Inputs => Weight.K;
    public override int Outputs => Weight.N;
}

/// <summary>A dense layer with int8 weights (per output channel), b as given.</summary>
sealed class CpuInt8Linear(Int8.QuantizedMatrix weight, float[] bias) : LinearWeights
{
    public Int8.QuantizedMatrix Weight { get; } = weight;
    public float[] Bias { get; } = bias;
    public override int Inputs => Weight.K;
    public override int Outputs => Weight.N;
}

/// <summary>
/// Collects the int8 matrix column block by column block: float32 blocks are quantized per output channel as they
/// come (a channel is a column, so blocks quantize independently), int8 blocks from a model file are taken as
/// they are. Packed for the kernels when built.
/// </summary>
sealed class CpuInt8LinearBuilder(int inputs, int outputs) : LinearBuilder
{
    readonly sbyte[] _whole = new sbyte[inputs * outputs];
    readonly float[] _scales = new float[outputs];

    public override void Columns(ReadOnlySpan<float> block, int firstColumn, int width, int rowStride = 0)
    {
        if (rowStride == 0) rowStride = width;
        Check(firstColumn, width);
        Int8.QuantizedMatrix.QuantizeColumns(block, inputs, width, rowStride, _scales.AsSpan(firstColumn, width), _whole.AsSpan(firstColumn), outputs);
    }

    public override void QuantizedColumns(ReadOnlySpan<sbyte> block, ReadOnlySpan<float> scales, int firstColumn, int width)
    {
        Check(firstColumn, width);
        if (block.Length != inputs * width || scales.Length != width) throw new ArgumentException($"{block.Length} values and {scales.Length} scales for {inputs} x {width}");
        for (int r = 0; r < inputs; r++) block.Slice(r * width, width).CopyTo(_whole.AsSpan(r * outputs + firstColumn));
        scales.CopyTo(_scales.AsSpan(firstColumn));
    }

    void Check(int firstColumn, int width)
    {
        if (firstColumn < 0 || width <= 0 || firstColumn + width > outputs) throw new ArgumentException($"columns [{firstColumn}, {firstColumn + width}) outside 0..{outputs}");
    }

    public override LinearWeights Build(float[] bias)
    {
        if (bias.Length != outputs) throw new ArgumentException($"a bias of {bias.Length} for {outputs} outputs");
        return new CpuInt8Linear(new Int8.QuantizedMatrix(_whole, _scales, inputs, outputs), bias);
    }
}

/// <summary>
/// Packs each block straight into its columns of the packed matrix. A block that starts or ends inside a panel
/// (no real model has one) is collected into a whole matrix, whose panels are packed at the end.
/// </summary>
sealed class CpuLinearBuilder(int inputs, int outputs) : LinearBuilder
{
    readonly PackedMatrix _packed = new(inputs, outputs);
    float[]? _whole;
    bool[]? _collected;

    public override void Columns(ReadOnlySpan<float> block, int firstColumn, int width, int rowStride = 0)
    {
        if (rowStride == 0) rowStride = width;
        int panel = _packed.PanelWidth, end = firstColumn + width;
        if (firstColumn < 0 || width <= 0 || end > outputs) throw new ArgumentException($"columns [{firstColumn}, {end}) outside 0..{outputs}");
        if (firstColumn % panel == 0 && (end % panel == 0 || end == outputs) && rowStride == width)
        {
            _packed.PackColumns(block[..(inputs * width)], firstColumn, width);
            return;
        }
        _whole ??= new float[inputs * outputs];
        _collected ??= new bool[_packed.PanelCount];
        for (int r = 0; r < inputs; r++) block.Slice(r * rowStride, width).CopyTo(_whole.AsSpan(r * outputs + firstColumn));
        for (int p = firstColumn / panel; p <= (end - 1) / panel; p++) _collected[p] = true;
    }

    public override LinearWeights Build(float[] bias)
    {
        if (bias.Length != outputs) throw new ArgumentException($"a bias of {bias.Length} for {outputs} outputs");
        if (_collected is not null)
            for (int p = 0; p < _collected.Length; p++)
                if (_collected[p]) _packed.PackPanels(_whole, p, p + 1, outputs);
        return new CpuLinear(_packed, bias);
    }
}

sealed class CpuNorm(float[] scale, float[] bias, float eps) : NormWeights
{
    public float[] Scale { get; } = scale;
    public float[] Bias { get; } = bias;
    public float Eps { get; } = eps;
    public override int Width => Scale.Length;
}

sealed class CpuTokenEmbedding(IRowSource word, float[] position, float[] tokenType) : TokenEmbeddingWeights
{
    public IRowSource Word { get; } = word;
    public float[] Position { get; } = position;
    public float[] TokenType { get; } = tokenType;
    public override int Width => Word.Width;
}

sealed class CpuPatchPositions(float[] frequency, int width, double maxTimeIndex) : PatchPositionWeights
{
    public float[] Frequency { get; } = frequency;
    public double MaxTimeIndex { get; } = maxTimeIndex;
    public override int Width { get; } = width;
}

sealed class CpuLogMel(LogMelSettings settings) : LogMelPlan
{
    public LogMelSpectrogram Spectrogram { get; } = new(settings);
    public override LogMelSettings Settings { get; } = settings;
}
