using Cacophony.Kernels;
using Cacophony.Model;
using Cacophony.Model.Layers;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Model;

/// <summary>
/// The pools never form keys or values (they score against W_k q and project the weighted mean): checked
/// against the literal definition in float64 (k = h W_k + b_k, v = h W_v + b_v, softmax of q . k / sqrt(d)
/// per head, p V), with key biases large enough that dropping their term would show if it did not cancel.
/// Every backend runs this one formulation: the CPU engine, ILGPU's simulator, OpenCL and CUDA where present.
/// </summary>
[TestFixture("cpu")]
[TestFixture("simulator")]
[TestFixture("opencl")]
[TestFixture("cuda")]
public class AttentionPoolTests(string backendName)
{
    IComputeBackend _backend = null!;

    [OneTimeSetUp]
    public void Open() => _backend = TestBackends.Open(backendName);

    [OneTimeTearDown]
    public void Close() => _backend?.Dispose();

    /// <summary>The pool (and its output layer, if any) over one sequence of `rows` hidden states, on the backend.</summary>
    float[] Pool(AttentionPool pool, Linear? output, float[] hidden, int rows)
    {
        using var rowsOnBackend = _backend.Upload(hidden);
        using var pooled = _backend.Allocate(pool.Outputs);
        pool.Forward(rowsOnBackend, [0, rows], pooled);
        using var projected = _backend.Allocate(output?.Outputs ?? 0);
        output?.Apply(pooled, 1, projected);
        var result = new float[output?.Outputs ?? pool.Outputs];
        _backend.Download(output is null ? pooled : projected, result);
        return result;
    }

    sealed class Tensors(Dictionary<string, (int[] Shape, float[] Values)> tensors) : IWeightSource
    {
        public int[] Shape(string name) => tensors[name].Shape;
        public float[] Read(string name) => (float[])tensors[name].Values.Clone();
        public void ReadInto(string name, Span<float> destination) => tensors[name].Values.CopyTo(destination);
    }

    static float[] Normal(Random random, int count, double std) =>
        Enumerable.Range(0, count).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();

    [TestCase(1, 1)]
    [TestCase(37, 1)]
    [TestCase(1, 8)]
    [TestCase(101, 8)]
    public void AudioPoolEqualsTheLiteralDefinition(int rows, int heads)
    {
        const int width = 48, outputs = 24;
        var random = new Random(rows * 31 + heads);
        var tensors = new Dictionary<string, (int[], float[])>
        {
            ["audio_pool.query"] = ([width], Normal(random, width, 1)),
            ["audio_pool.kv.weight"] = ([width, 2 * width], Normal(random, 2 * width * width, 0.3)),
            ["audio_pool.kv.bias"] = ([2 * width], Normal(random, 2 * width, 3)),
            ["audio_pool.out.weight"] = ([width, outputs], Normal(random, width * outputs, 0.2)),
            ["audio_pool.out.bias"] = ([outputs], Normal(random, outputs, 0.5)),
        };
        var source = new Tensors(tensors);
        var hidden = Normal(random, rows * width, 1);
        var weights = new WeightLoader(source, _backend);
        var pooled = Pool(AttentionPool.Audio(weights, heads), weights.Linear(new("audio_pool.out")), hidden, rows);

        var kv = Dense(Widen(hidden), rows, source, "audio_pool.kv");
        var attended = Attend(source.Read("audio_pool.query"), kv, 2 * width, 0, kv, 2 * width, width, rows, width, heads);
        var expected = Dense(attended, 1, source, "audio_pool.out");
        Compare($"audio pool, {rows} rows, {heads} heads", pooled, expected);
    }

    [TestCase(1)]
    [TestCase(77)]
    public void TextPoolEqualsTheLiteralDefinition(int rows)
    {
        const int width = 40;
        var random = new Random(rows);
        var tensors = new Dictionary<string, (int[], float[])>
        {
            ["text_pool.query"] = ([width], Normal(random, width, 1)),
            ["text_pool.key.weight"] = ([width, width], Normal(random, width * width, 0.3)),
            ["text_pool.key.bias"] = ([width], Normal(random, width, 3)),
            ["text_pool.value.weight"] = ([width, width], Normal(random, width * width, 0.3)),
            ["text_pool.value.bias"] = ([width], Normal(random, width, 0.5)),
        };
        var source = new Tensors(tensors);
        var hidden = Normal(random, rows * width, 1);
        var pooled = Pool(AttentionPool.Text(new WeightLoader(source, _backend)), null, hidden, rows);

        var keys = Dense(Widen(hidden), rows, source, "text_pool.key");
        var values = Dense(Widen(hidden), rows, source, "text_pool.value");
        var expected = Attend(source.Read("text_pool.query"), keys, width, 0, values, width, 0, rows, width, 1);
        Compare($"text pool, {rows} rows", pooled, expected);
    }

    static double[] Widen(float[] x) => x.Select(v => (double)v).ToArray();

    /// <summary>x W + b in float64.</summary>
    static double[] Dense(double[] x, int rows, IWeightSource source, string name)
    {
        var shape = source.Shape(name + ".weight");
        var w = source.Read(name + ".weight");
        var b = source.Read(name + ".bias");
        var y = new double[rows * shape[1]];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < shape[1]; o++)
            {
                double sum = b[o];
                for (int i = 0; i < shape[0]; i++) sum += x[r * shape[0] + i] * (double)w[i * shape[1] + o];
                y[r * shape[1] + o] = sum;
            }
        return y;
    }

    /// <summary>softmax(q_h . k_j / sqrt(d)) over j, times v_j, per head; k and v read at a row stride and a column offset.</summary>
    static double[] Attend(float[] query, double[] keys, int keyStride, int keyColumn, double[] values, int valueStride, int valueColumn, int rows, int width, int heads)
    {
        int d = width / heads;
        var output = new double[width];
        for (int h = 0; h < heads; h++)
        {
            var scores = new double[rows];
            for (int j = 0; j < rows; j++)
            {
                for (int c = h * d; c < (h + 1) * d; c++) scores[j] += query[c] * keys[j * keyStride + keyColumn + c];
                scores[j] /= Math.Sqrt(d);
            }
            double max = scores.Max();
            var p = scores.Select(s => Math.Exp(s - max)).ToArray();
            double sum = p.Sum();
            for (int j = 0; j < rows; j++)
                for (int c = h * d; c < (h + 1) * d; c++) output[c] += p[j] / sum * values[j * valueStride + valueColumn + c];
        }
        return output;
    }

    void Compare(string what, float[] actual, double[] expected)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        double maxAbs = 0, scale = expected.Max(Math.Abs);
        for (int i = 0; i < actual.Length; i++) maxAbs = Math.Max(maxAbs, Math.Abs(actual[i] - expected[i]));
        TestContext.Out.WriteLine($"{backendName}: {what}: max-abs {maxAbs:E2}, relative to the largest {maxAbs / scale:E2}");
        Assert.That(maxAbs / scale, Is.LessThan(2e-6));
    }
}
