using Cacophony.Kernels;
using Cacophony.Weights.Canonical;

namespace Cacophony.Model.Layers;

/// <summary>Reads canonical tensors (named by WeightMap.Names) and prepares them on a backend, once, at load.</summary>
sealed class WeightLoader(IWeightSource source, IComputeBackend backend)
{
    // Matrices are read into this one buffer and handed to the backend from it: the unprepared copy never piles up.
    float[] _staging = [];

    public IComputeBackend Backend => backend;

    public float[] Tensor(string name) => source.Read(name);

    public int[] Shape(string name) => source.Shape(name);

    public Linear Linear(LinearNames name) => FusedLinear(name);

    /// <summary>
    /// Several dense layers on the same input as one: weights side by side (in, sum of outs), one product. Each
    /// part is read into the staging buffer and prepared into its own columns, so no concatenated copy is made
    /// (fresh memory costs a page fault per 4 KB on first touch: ~100 ms per 340 MB).
    /// </summary>
    public Linear FusedLinear(params LinearNames[] names)
    {
        var shapes = names.Select(n => source.Shape(n.Weight)).ToArray();
        int inputs = shapes[0][0], outputs = shapes.Sum(s => s[1]);
        if (shapes.Any(s => s.Length != 2 || s[0] != inputs)) throw new ArgumentException($"{string.Join(", ", names.Select(n => n.Prefix))} do not share an input width");
        var builder = backend.Linear(inputs, outputs);
        var biases = new float[outputs];
        int column = 0;
        foreach (var (name, shape) in names.Zip(shapes))
        {
            if (source.IsQuantized(name.Weight))
            {
                // An int8 model directory: q and its scales go to the backend as stored (a float backend widens them).
                var values = new sbyte[shape[0] * shape[1]];
                var scales = new float[shape[1]];
                source.ReadQuantized(name.Weight, values, scales);
                builder.QuantizedColumns(values, scales, column, shape[1]);
            }
            else
                builder.Columns(Staged(name.Weight, shape), column, shape[1]);
            source.Read(name.Bias).CopyTo(biases, column);
            column += shape[1];
        }
        return new Linear(backend, builder.Build(biases));
    }

    /// <summary>A matrix read into the staging buffer (valid until the next read).</summary>
    ReadOnlySpan<float> Staged(string name, int[] shape)
    {
        int count = shape[0] * shape[1];
        if (_staging.Length < count) _staging = new float[count];
        var staging = _staging.AsSpan(0, count);
        source.ReadInto(name, staging);
        return staging;
    }

    public Norm Norm(NormNames name, double eps) => new(backend, backend.Norm(Tensor(name.Scale), Tensor(name.Bias), (float)eps));

    /// <summary>An embedding table whose rows are read when needed (not copied at load on the CPU engine).</summary>
    public EmbeddingTable Table(string name) => new(source, name);
}
