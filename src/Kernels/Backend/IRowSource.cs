namespace Cacophony.Kernels;

/// <summary>A table whose rows are read on demand (an embedding table in a memory-mapped model file).</summary>
public interface IRowSource
{
    int Rows { get; }
    int Width { get; }

    /// <summary>Copies row `row` into the first <see cref="Width"/> values of destination.</summary>
    void CopyRow(int row, Span<float> destination);

    /// <summary>The whole table, row-major (for a backend that uploads it).</summary>
    float[] ReadAll();
}
