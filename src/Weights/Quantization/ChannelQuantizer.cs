namespace Cacophony.Weights.Quantization;

/// <summary>
/// Symmetric int8 quantization with one float32 scale per channel: channel c is stored as q with
/// <c>w = scale[c] * q</c>, <c>scale[c] = max |w| over c / 127</c> and <c>q = round(w / scale[c])</c> in [-127, 127]
/// (-128 is left out so that the range is symmetric and negating a weight stays exact). The CPU engine's
/// at-load quantization (Cacophony.Kernels.Cpu.Int8.QuantizedMatrix.Quantize) is the same formula, so a model
/// quantized into a file and one quantized as it loads hold the same bytes.
/// </summary>
public static class ChannelQuantizer
{
    public const int Limit = 127;

    /// <summary>The scale tensor of a quantized tensor is stored next to it under this suffix: <c>x.weight</c> and <c>x.weight_scale</c>.</summary>
    public const string ScaleSuffix = "_scale";

    public static string ScaleName(string tensor) => tensor + ScaleSuffix;

    /// <summary>
    /// The scale tensor's shape: it broadcasts against the (rows, columns) tensor, so the file says by itself which
    /// axis holds the channels: (1, columns) per column, (rows, 1) per row.
    /// </summary>
    public static int[] ScaleShape(int[] shape, int channelAxis) => channelAxis == 0 ? [shape[0], 1] : [1, shape[1]];

    /// <summary>Folds a block of whole rows (row-major, <paramref name="columns"/> wide, starting at row <paramref name="firstRow"/>) into the channels' running max |w|.</summary>
    public static void AccumulateMaxima(ReadOnlySpan<float> rows, int columns, int firstRow, int channelAxis, Span<float> maxima)
    {
        int count = rows.Length / columns;
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * columns, columns);
            if (channelAxis == 0)
            {
                float max = maxima[firstRow + r];
                foreach (float w in row) max = MathF.Max(max, MathF.Abs(w));
                maxima[firstRow + r] = max;
            }
            else
            {
                for (int c = 0; c < columns; c++) maxima[c] = MathF.Max(maxima[c], MathF.Abs(row[c]));
            }
        }
    }

    /// <summary>Turns each channel's max |w| into its scale, in place.</summary>
    public static void ScalesFromMaxima(Span<float> maxima)
    {
        for (int c = 0; c < maxima.Length; c++) maxima[c] /= Limit;
    }

    public static sbyte Quantize(float value, float scale) =>
        scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(value / scale), -Limit, Limit);

    /// <summary>Quantizes a block of whole rows (see <see cref="AccumulateMaxima"/>) with the channels' scales.</summary>
    public static void QuantizeRows(ReadOnlySpan<float> rows, int columns, int firstRow, int channelAxis, ReadOnlySpan<float> scales, Span<sbyte> destination)
    {
        int count = rows.Length / columns;
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * columns, columns);
            var q = destination.Slice(r * columns, columns);
            if (channelAxis == 0)
            {
                float scale = scales[firstRow + r];
                for (int c = 0; c < columns; c++) q[c] = Quantize(row[c], scale);
            }
            else
            {
                for (int c = 0; c < columns; c++) q[c] = Quantize(row[c], scales[c]);
            }
        }
    }
}
