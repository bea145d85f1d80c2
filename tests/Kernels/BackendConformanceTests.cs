using Cacophony.Kernels;
using Cacophony.Kernels.Cpu;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Kernels;

/// <summary>
/// One table of (operation, shapes, flags), run on every backend present, each against the float64 reference
/// with the same helpers: the CPU engine at each instruction set (scalar, Vector128, Vector256, Vector512), ILGPU's
/// simulator on the small shapes, OpenCL (PoCL in CI) and CUDA where they exist. A backend this machine lacks
/// is reported as skipped, not passed. Outputs are poisoned with NaN and followed by NaN sentinels, so an
/// unwritten element or a write past the end shows.
/// </summary>
[TestFixture("cpu-scalar")]
[TestFixture("cpu-vector128")]
[TestFixture("cpu-vector256")]
[TestFixture("cpu-vector512")]
[TestFixture("simulator")]
[TestFixture("opencl")]
[TestFixture("cuda")]
public class BackendConformanceTests(string backendName)
{
    const int Sentinels = 31;

    // The simulator runs a thread switch per thread at every barrier: only shapes up to this many multiply-adds.
    const long SimulatorWork = 2_000_000;

    IComputeBackend _backend = null!;
    InstructionSet? _isa;

    [OneTimeSetUp]
    public void Open()
    {
        if (backendName.StartsWith("cpu-", StringComparison.Ordinal))
        {
            _isa = Enum.Parse<InstructionSet>(backendName["cpu-".Length..], ignoreCase: true);
            if (_isa > Isa.Detected) Assert.Ignore($"{_isa} is not accelerated on this machine ({Isa.Describe(Isa.Detected)})");
            _backend = new CpuBackend();
        }
        else _backend = TestBackends.Open(backendName);
        TestContext.Out.WriteLine($"{backendName}: {_backend.Description}");
    }

    [OneTimeTearDown]
    public void Close() => _backend?.Dispose();

    /// <summary>An operation on one shape: it prepares its weights, runs, and returns its worst error against the reference.</summary>
    public sealed record Operation(string Name, long Work, double Tolerance, Func<BackendConformanceTests, double> Run)
    {
        public override string ToString() => Name;
    }

    [TestCaseSource(nameof(Operations))]
    public void MatchesTheFloat64Reference(Operation operation)
    {
        if (backendName == "simulator" && operation.Work > SimulatorWork) Assert.Ignore("too large for the simulator");
        double error = 0;
        if (_isa is { } isa) Isa.With(isa, () => error = operation.Run(this));
        else error = operation.Run(this);
        TestContext.Out.WriteLine($"{backendName}: {operation.Name,-60} max error {error:E2}");
        Assert.That(error, Is.LessThanOrEqualTo(operation.Tolerance));
    }

    public static IEnumerable<Operation> Operations()
    {
        foreach (var (m, k, n, activation) in new[]
        {
            (1, 7, 33, Activation.None), (7, 33, 1, Activation.None), (33, 257, 7, Activation.Gelu), (67, 96, 130, Activation.SiLU),
            (100, 96, 48, Activation.None), (12, 130, 40, Activation.SiLU), (5, 768, 257, Activation.None), (500, 768, 96, Activation.Gelu),
        })
            yield return new($"linear {m}x{k}x{n} {activation}", (long)m * k * n, 2e-5 * Math.Sqrt(k), t => t.Linear(m, k, n, activation));
        foreach (var (m, k, n) in new[] { (1, 7, 33), (67, 96, 130), (8, 96, 130), (500, 768, 96) })
            foreach (bool inPlace in new[] { false, true })
                yield return new($"linear + residual {m}x{k}x{n}{(inPlace ? " in place" : "")}", (long)m * k * n, 2e-5 * Math.Sqrt(k), t => t.LinearAdd(m, k, n, inPlace));
        foreach (var widths in new[] { new[] { 64, 64, 64 }, new[] { 40, 24, 40 }, new[] { 96, 33 } })
            yield return new($"fused linear 9x50x({string.Join('|', widths)})", 9L * 50 * widths.Sum(), 2e-5 * Math.Sqrt(50), t => t.FusedLinear(9, 50, widths));
        foreach (var (rows, width, eps) in new[] { (1, 7, 1e-6), (33, 40, 1e-6), (97, 768, 1e-5), (500, 257, 1e-6) })
            yield return new($"layernorm {rows}x{width}", (long)rows * width * 8, 1e-5, t => t.LayerNorm(rows, width, eps));
        foreach (var (queries, keys, width, heads, causal) in new[]
        {
            (1, 1, 40, 8, false), (7, 7, 16, 4, true), (33, 33, 40, 8, false), (3, 20, 16, 4, true), (65, 65, 192, 2, true),
            (5, 37, 256, 4, false), (100, 100, 768, 12, true), (300, 300, 96, 1, true), (5, 600, 64, 1, true), (97, 1500, 192, 2, false),
        })
            yield return new($"attention {queries}q {keys}k {width}w {heads}h{(causal ? " causal" : "")}", 2L * queries * keys * width, 2e-5,
                t => t.Attention(queries, keys, width, heads, causal));
        foreach (var (lengths, inputs, heads) in new[] { (new[] { 1 }, 48, 8), (new[] { 101, 7 }, 48, 8), (new[] { 77 }, 40, 1), (new[] { 3, 500 }, 768, 8) })
            yield return new($"pool [{string.Join(',', lengths)}] rows of {inputs}, {heads} heads", 3L * lengths.Sum() * inputs * heads, 2e-5,
                t => t.Pool(lengths, inputs, heads));
        // Three float32 terms summed in float32: within an ulp of the exact sum.
        yield return new("token embedding, positions after a cache", 10 * 48, Math.Pow(2, -23), t => t.EmbedTokens(48));
        foreach (int width in new[] { 48, 768 })
            yield return new($"patch positions, width {width}", 40L * width * 40, 1e-6, t => t.PatchPositions(width));
        foreach (string clip in new[] { "audio_noise", "audio_speech_espeak" })
            yield return new($"log-mel of the golden {clip}", 1_000_000, 2e-4, t => t.LogMel(clip));
        yield return new("gather patches", 40 * 128, 0, t => t.GatherPatches());
        yield return new("copy rows (KV-cache append)", 7 * 3 * 24, 0, t => t.CopyRows());
    }

    // The operations and their references.

    double Linear(int m, int k, int n, Activation activation)
    {
        var (a, b, bias) = (RandomValues.Uniform(m * k, 1), RandomValues.Uniform(k * n, 2), RandomValues.Uniform(n, 3));
        Func<double, double> f = activation switch { Activation.Gelu => NaiveReference.Gelu, Activation.SiLU => NaiveReference.Silu, _ => v => v };
        var weights = Prepared(b, k, n, bias);
        using var x = _backend.Upload(a);
        return Check(m * n, y => _backend.Linear(weights, x, m, y, activation), NaiveReference.MatMul(a, m, k, b, n, bias).Select(f).ToArray());
    }

    double LinearAdd(int m, int k, int n, bool inPlace)
    {
        var (a, b, bias, residual) = (RandomValues.Uniform(m * k, 1), RandomValues.Uniform(k * n, 2), RandomValues.Uniform(n, 3), RandomValues.Uniform(m * n, 4, scale: 10));
        var expected = NaiveReference.MatMul(a, m, k, b, n, bias).Select((v, i) => v + residual[i]).ToArray();
        var weights = Prepared(b, k, n, bias);
        using var x = _backend.Upload(a);
        if (inPlace) return CheckInPlace(residual, y => _backend.LinearAdd(weights, x, m, y, y), expected);
        using var r = _backend.Upload(residual);
        return Check(m * n, y => _backend.LinearAdd(weights, x, m, r, y), expected);
    }

    /// <summary>Parts prepared side by side into one layer, against the product with the concatenated matrix.</summary>
    double FusedLinear(int m, int k, int[] widths)
    {
        int n = widths.Sum();
        var a = RandomValues.Uniform(m * k, 1);
        var parts = widths.Select((w, i) => RandomValues.Uniform(k * w, 10 + i)).ToArray();
        var bias = RandomValues.Uniform(n, 3);
        var whole = new float[k * n];
        var builder = _backend.Linear(k, n);
        for (int p = 0, column = 0; p < parts.Length; column += widths[p], p++)
        {
            builder.Columns(parts[p], column, widths[p]);
            for (int r = 0; r < k; r++) parts[p].AsSpan(r * widths[p], widths[p]).CopyTo(whole.AsSpan(r * n + column));
        }
        var weights = builder.Build(bias);
        using var x = _backend.Upload(a);
        return Check(m * n, y => _backend.Linear(weights, x, m, y), NaiveReference.MatMul(a, m, k, whole, n, bias));
    }

    double LayerNorm(int rows, int width, double eps)
    {
        var x = RandomValues.Uniform(rows * width, 5, scale: 3);
        var (scale, bias) = (RandomValues.Uniform(width, 6), RandomValues.Uniform(width, 7));
        var norm = _backend.Norm(scale, bias, (float)eps);
        using var input = _backend.Upload(x);
        return Check(rows * width, y => _backend.LayerNorm(norm, input, rows, y), NaiveReference.LayerNorm(x, rows, width, scale, bias, eps));
    }

    /// <summary>
    /// Queries, keys and values read in place from fused q|k|v rows (stride 3 x width) when they are the same
    /// rows; the queries of a cached suffix from their own rows, the keys and values from a cache's.
    /// </summary>
    double Attention(int queries, int keys, int width, int heads, bool causal)
    {
        var q = RandomValues.Uniform(queries * width, 8);
        var k = RandomValues.Uniform(keys * width, 9);
        var v = RandomValues.Uniform(keys * width, 10);
        float scale = 1 / MathF.Sqrt(width / heads);
        var expected = NaiveReference.Attention(q, queries, k, v, keys, width, heads, causal, scale);
        if (queries == keys)
        {
            var fused = new float[keys * 3 * width];
            for (int r = 0; r < keys; r++)
            {
                q.AsSpan(r * width, width).CopyTo(fused.AsSpan(r * 3 * width));
                k.AsSpan(r * width, width).CopyTo(fused.AsSpan(r * 3 * width + width));
                v.AsSpan(r * width, width).CopyTo(fused.AsSpan(r * 3 * width + 2 * width));
            }
            using var qkv = _backend.Upload(fused);
            return Check(queries * width, o => _backend.Attention(qkv, 3 * width, queries, qkv.From(width), qkv.From(2 * width), 3 * width, keys, width, heads, causal, scale, o), expected);
        }
        using var qs = _backend.Upload(q);
        using var ks = _backend.Upload(k);
        using var vs = _backend.Upload(v);
        return Check(queries * width, o => _backend.Attention(qs, width, queries, ks, vs, width, keys, width, heads, causal, scale, o), expected);
    }

    /// <summary>The pool's contract: p = softmax_j(h_j . s_h / sqrt(d)), m_h = sum_j p_j h_j, out_h = m_h W_v,h + b_v,h.</summary>
    double Pool(int[] lengths, int inputs, int heads)
    {
        int width = inputs, d = width / heads, rows = lengths.Sum();
        var hidden = RandomValues.Uniform(rows * inputs, 11, scale: 2);
        var scorers = RandomValues.Uniform(inputs * heads, 12);
        // The values as the audio pool stores them: the right half of a k | v matrix.
        var keyValue = RandomValues.Uniform(inputs * 2 * width, 13, scale: 0.3);
        var bias = RandomValues.Uniform(width, 14);
        var offsets = new int[lengths.Length + 1];
        for (int b = 0; b < lengths.Length; b++) offsets[b + 1] = offsets[b] + lengths[b];
        var expected = new double[lengths.Length * width];
        for (int b = 0; b < lengths.Length; b++)
            for (int h = 0; h < heads; h++)
            {
                var scores = Enumerable.Range(offsets[b], lengths[b]).Select(j =>
                    Enumerable.Range(0, inputs).Sum(i => (double)hidden[j * inputs + i] * scorers[i * heads + h]) / Math.Sqrt(d)).ToArray();
                double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                var mean = new double[inputs];
                for (int j = 0; j < lengths[b]; j++)
                    for (int i = 0; i < inputs; i++) mean[i] += Math.Exp(scores[j] - max) / sum * hidden[(offsets[b] + j) * inputs + i];
                for (int c = 0; c < d; c++)
                    expected[b * width + h * d + c] = bias[h * d + c] + Enumerable.Range(0, inputs).Sum(i => mean[i] * keyValue[i * 2 * width + width + h * d + c]);
            }
        var pool = _backend.Pool(scorers, inputs, heads, keyValue, 2 * width, width, bias);
        using var input = _backend.Upload(hidden);
        return Check(lengths.Length * width, o => _backend.Pool(pool, input, offsets, o), expected);
    }

    sealed class Table(float[] values, int width) : IRowSource
    {
        public int Rows => values.Length / width;
        public int Width => width;
        public void CopyRow(int row, Span<float> destination) => values.AsSpan(row * width, width).CopyTo(destination);
        public float[] ReadAll() => values;
    }

    double EmbedTokens(int width)
    {
        var (word, position, tokenType) = (RandomValues.Uniform(50 * width, 15), RandomValues.Uniform(20 * width, 16), RandomValues.Uniform(2 * width, 17));
        int[] ids = [0, 49, 7, 7, 3, 12, 2, 30, 41, 1], positions = [5, 6, 7, 8, 9, 0, 1, 2, 3, 19];
        var expected = new double[ids.Length * width];
        for (int i = 0; i < ids.Length; i++)
            for (int c = 0; c < width; c++)
                expected[i * width + c] = (double)(word[ids[i] * width + c] + position[positions[i] * width + c]) + tokenType[c];
        var embedding = _backend.TokenEmbedding(new Table(word, width), position, tokenType);
        return Check(ids.Length * width, x => _backend.EmbedTokens(embedding, ids, positions, x), expected);
    }

    double PatchPositions(int width)
    {
        int half = width / 2;
        var frequency = RandomValues.Uniform(8 * width, 18);
        var x = RandomValues.Uniform(40 * width, 19);
        int[] time = Enumerable.Range(0, 40).Select(i => i / 8 * 37).ToArray(), freq = Enumerable.Range(0, 40).Select(i => i % 8).ToArray();
        var expected = new double[x.Length];
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < width; j++)
            {
                double angle = time[i] * Math.Exp(-2.0 * (j % half) * Math.Log(10000) / width);
                expected[i * width + j] = x[i * width + j] + (j < half ? Math.Sin(angle) : Math.Cos(angle)) + frequency[freq[i] * width + j];
            }
        var positions = _backend.PatchPositions(frequency, width, 10000);
        return CheckInPlace(x, y => _backend.AddPatchPositions(positions, time, freq, y), expected);
    }

    /// <summary>The log-mel of a golden clip's 16 kHz waveform against the original's (tf.signal) log-mel: max-abs.</summary>
    double LogMel(string clip)
    {
        var settings = new LogMelSettings(16000, 400, 160, 512, 128, 0, 8000, 1e-5, 0.2, 0.9);
        var plan = _backend.LogMel(settings);
        var golden = Golden.Floats(clip, "mel");
        using var mel = _backend.LogMel(plan, Golden.Floats(clip, "waveform16k").Select(v => (double)v).ToArray(), out int frames);
        Assert.That(frames * settings.MelBins, Is.EqualTo(golden.Length));
        var actual = new float[golden.Length];
        _backend.Download(mel, actual);
        return actual.Zip(golden).Max(p => Math.Abs((double)p.First - p.Second));
    }

    double GatherPatches()
    {
        const int frames = 40, bins = 128, patchTime = 16, patchFreq = 16, freqs = bins / patchFreq;
        var mel = RandomValues.Uniform(frames * bins, 20);
        int[] keep = [0, 3, 8, 9, 15];
        var expected = new double[keep.Length * patchTime * patchFreq];
        for (int s = 0; s < keep.Length; s++)
            for (int dt = 0; dt < patchTime; dt++)
                for (int df = 0; df < patchFreq; df++)
                    expected[(s * patchTime + dt) * patchFreq + df] = mel[(keep[s] / freqs * patchTime + dt) * bins + keep[s] % freqs * patchFreq + df];
        using var input = _backend.Upload(mel);
        return Check(expected.Length, p => _backend.GatherPatches(input, bins, keep, patchTime, patchFreq, p), expected, absolute: true);
    }

    /// <summary>The k columns of 7 fused q|k|v rows (width 24) appended after 2 rows already in a cache.</summary>
    double CopyRows()
    {
        const int width = 24, rows = 7;
        var qkv = RandomValues.Uniform(rows * 3 * width, 21);
        var cache = RandomValues.Uniform(2 * width, 22);
        var expected = cache.Select(v => (double)v).Concat(Enumerable.Range(0, rows * width).Select(i => (double)qkv[i / width * 3 * width + width + i % width])).ToArray();
        using var source = _backend.Upload(qkv);
        return CheckInPlace(cache.Concat(new float[rows * width]).ToArray(), c => _backend.CopyRows(source.From(width), 3 * width, c.From(2 * width), width, rows, width), expected);
    }

    // One set of helpers for every operation.

    LinearWeights Prepared(float[] weight, int inputs, int outputs, float[] bias)
    {
        var builder = _backend.Linear(inputs, outputs);
        builder.Columns(weight, 0, outputs);
        return builder.Build(bias);
    }

    /// <summary>
    /// Runs `write` into a NaN-poisoned tensor with NaN sentinels past its end; every element must be written and
    /// finite, every sentinel intact. The error is relative to max(1, |reference|), or absolute.
    /// </summary>
    double Check(int count, Action<TensorView> write, double[] expected, bool absolute = false)
    {
        using var output = _backend.Upload(Enumerable.Repeat(float.NaN, count + Sentinels).ToArray());
        write(output.View.Slice(0, count));
        var actual = new float[count + Sentinels];
        _backend.Download(output, actual);
        for (int i = count; i < actual.Length; i++) Assert.That(float.IsNaN(actual[i]), $"wrote past the end at {i}");
        return Error(actual, expected, absolute);
    }

    /// <summary>Runs `update` on a tensor holding `initial` (followed by sentinels) and compares all of it.</summary>
    double CheckInPlace(float[] initial, Action<TensorView> update, double[] expected)
    {
        using var tensor = _backend.Upload(initial.Concat(Enumerable.Repeat(float.NaN, Sentinels)).ToArray());
        update(tensor.View.Slice(0, initial.Length));
        var actual = new float[initial.Length + Sentinels];
        _backend.Download(tensor, actual);
        for (int i = initial.Length; i < actual.Length; i++) Assert.That(float.IsNaN(actual[i]), $"wrote past the end at {i}");
        return Error(actual, expected, absolute: false);
    }

    static double Error(float[] actual, double[] expected, bool absolute)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(float.IsFinite(actual[i]), $"element {i} not written (or not finite): {actual[i]}");
            double difference = Math.Abs(actual[i] - expected[i]);
            worst = Math.Max(worst, absolute ? difference : difference / Math.Max(1, Math.Abs(expected[i])));
        }
        return worst;
    }
}
