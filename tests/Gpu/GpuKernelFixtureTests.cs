using Cacophony.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

using Cacophony.Tests.Kernels;

namespace Cacophony.Tests.Gpu;

/// <summary>
/// Every GPU kernel against the float64 naive reference, on every accelerator present: ILGPU's CPU
/// simulator always, OpenCL (PoCL in CI) and CUDA when this machine has them (reported as skipped, not
/// passed, when it does not). Outputs are poisoned with NaN and followed by NaN sentinels, so an unwritten
/// element or a write past the end shows. ILGPU has had backend-only bugs that return wrong values
/// silently: every kernel, every backend, every time.
/// </summary>
[TestFixture("simulator")]
[TestFixture("opencl")]
[TestFixture("cuda")]
public class GpuKernelFixtureTests(string backend)
{
    const int Sentinels = 29;
    GpuDevice _device = null!;

    [OneTimeSetUp]
    public void Open()
    {
        if (backend == "simulator")
        {
            _device = GpuDevice.Simulator();
            return;
        }
        var kind = backend == "cuda" ? DeviceKind.Cuda : DeviceKind.OpenCL;
        _device = GpuDevice.TryOpen(kind, out var reason) ?? throw new IgnoreException($"no {backend} accelerator here: {reason}");
        TestContext.Out.WriteLine($"{backend}: {_device.Description}");
    }

    [OneTimeTearDown]
    public void Close() => _device?.Dispose();

    GpuKernels Kernels => _device.Kernels;

    MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] values) => _device.Accelerator.Allocate1D(values);

    MemoryBuffer1D<float, Stride1D.Dense> Poisoned(int count) => Upload(Enumerable.Repeat(float.NaN, count + Sentinels).ToArray());

    double Check(string what, MemoryBuffer1D<float, Stride1D.Dense> buffer, double[] expected)
    {
        _device.Accelerator.Synchronize();
        var actual = buffer.GetAsArray1D();
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(float.IsFinite(actual[i]), $"{what}: element {i} not written (or not finite): {actual[i]}");
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
        }
        for (int i = expected.Length; i < actual.Length; i++) Assert.That(float.IsNaN(actual[i]), $"{what}: wrote past the end at {i}");
        TestContext.Out.WriteLine($"{backend}: {what,-55} max error {worst:E2}");
        return worst;
    }

    [TestCase(1, 7, 33, Epilogue.None, false)]
    [TestCase(67, 33, 5, Epilogue.None, true)]
    [TestCase(70, 129, 130, Epilogue.Gelu, false)]
    [TestCase(13, 40, 72, Epilogue.SiLU, true)]
    [TestCase(128, 64, 64, Epilogue.Gelu, true)]
    public void GemmWithBiasEpilogueAndResidual(int m, int k, int n, Epilogue epilogue, bool residual)
    {
        float[] a = RandomValues.Uniform(m * k, 1), b = RandomValues.Uniform(k * n, 2), bias = RandomValues.Uniform(n, 3), r = RandomValues.Uniform(m * n, 4);
        using var da = Upload(a);
        using var db = Upload(b);
        using var dbias = Upload(bias);
        using var dr = Upload(r);
        using var dc = Poisoned(m * n);
        Kernels.Gemm(da.View, db.View, dbias.View, dc.View, m, k, n, epilogue, residual ? dr.View : default);
        var expected = NaiveReference.MatMul(a, m, k, b, n, bias).Select((v, i) =>
            (epilogue == Epilogue.Gelu ? NaiveReference.Gelu(v) : epilogue == Epilogue.SiLU ? NaiveReference.Silu(v) : v) + (residual ? r[i] : 0)).ToArray();
        Assert.That(Check($"GEMM {m}x{k}x{n} {epilogue}{(residual ? " + residual" : "")}", dc, expected), Is.LessThan(2e-6 * Math.Sqrt(k)));
    }

    /// <summary>Float16 weights, widened on the device: against float64 products of the same half-rounded weights.</summary>
    [TestCase(5, 33, 70, Epilogue.Gelu, true)]
    [TestCase(66, 129, 65, Epilogue.None, false)]
    public void GemmWithHalfWeights(int m, int k, int n, Epilogue epilogue, bool residual)
    {
        float[] a = RandomValues.Uniform(m * k, 15), b = RandomValues.Uniform(k * n, 16), bias = RandomValues.Uniform(n, 17), r = RandomValues.Uniform(m * n, 18);
        var rounded = b.Select(v => (float)(System.Half)v).ToArray();
        using var da = Upload(a);
        using var db = _device.Accelerator.Allocate1D(Cacophony.Model.Gpu.GpuWeights.ToHalf(b));
        using var dbias = Upload(bias);
        using var dr = Upload(r);
        using var dc = Poisoned(m * n);
        Kernels.Gemm(da.View, db.View, dbias.View, dc.View, m, k, n, epilogue, residual ? dr.View : default);
        var expected = NaiveReference.MatMul(a, m, k, rounded, n, bias).Select((v, i) =>
            (epilogue == Epilogue.Gelu ? NaiveReference.Gelu(v) : v) + (residual ? r[i] : 0)).ToArray();
        Assert.That(Check($"GEMM {m}x{k}x{n} float16 weights {epilogue}", dc, expected), Is.LessThan(2e-6 * Math.Sqrt(k)));
    }

    [TestCase(1, 7)]
    [TestCase(33, 40)]
    [TestCase(5, 768)]
    public void LayerNorm(int rows, int width)
    {
        float[] x = RandomValues.Uniform(rows * width, 5, 3), scale = RandomValues.Uniform(width, 6), bias = RandomValues.Uniform(width, 7);
        for (int i = 0; i < x.Length; i++) x[i] += 10;  // a large mean, as activations have
        using var dx = Upload(x);
        using var ds = Upload(scale);
        using var db = Upload(bias);
        using var dy = Poisoned(rows * width);
        Kernels.LayerNorm(dx.View, ds.View, db.View, dy.View, rows, width, 1e-6f);
        Assert.That(Check($"LayerNorm {rows}x{width}", dy, NaiveReference.LayerNorm(x, rows, width, scale, bias, 1e-6)), Is.LessThan(1e-5));
    }

    [TestCase(1, 1, 40, 8, false)]
    [TestCase(7, 7, 16, 4, true)]
    [TestCase(33, 70, 40, 8, false)]
    [TestCase(3, 20, 16, 4, true)]
    [TestCase(65, 65, 192, 2, true)]
    [TestCase(5, 37, 256, 2, false)]
    public void AttentionOnFusedQkvRows(int queries, int keys, int width, int heads, bool causal)
    {
        // q from the last `queries` rows of a fused q|k|v block, k and v from all `keys` rows (a cached prefix).
        int stride = 3 * width;
        var qkv = RandomValues.Uniform(keys * stride, 8, 2);
        var q = new float[queries * width];
        var k = new float[keys * width];
        var v = new float[keys * width];
        for (int j = 0; j < keys; j++)
        {
            Array.Copy(qkv, j * stride + width, k, j * width, width);
            Array.Copy(qkv, j * stride + 2 * width, v, j * width, width);
        }
        for (int i = 0; i < queries; i++) Array.Copy(qkv, (keys - queries + i) * stride, q, i * width, width);
        using var dqkv = Upload(qkv);
        using var dout = Poisoned(queries * width);
        int d = width / heads;
        float scale = 1 / MathF.Sqrt(d);
        var view = dqkv.View;
        Kernels.Attention(view.From((long)(keys - queries) * stride), stride, view.From(width), view.From(2 * width), stride,
            dout.View, width, queries, keys, heads, d, causal, scale);
        Assert.That(Check($"attention {queries}q {keys}k {heads}x{d}{(causal ? " causal" : "")}", dout, NaiveReference.Attention(q, queries, k, v, keys, width, heads, causal, scale)), Is.LessThan(1e-5));
    }

    [TestCase(1, 1)]
    [TestCase(3, 37)]
    [TestCase(2, 1500)]
    public void SoftmaxRows(int rows, int width)
    {
        var x = RandomValues.Uniform(rows * width, 12, 20);
        using var dx = Upload(x.Concat(Enumerable.Repeat(float.NaN, Sentinels)).ToArray());
        float scale = 0.125f;
        Kernels.Softmax(dx.View, rows, width, scale);
        var expected = new double[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Skip(r * width).Take(width).Select(v => scale * (double)v).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            for (int i = 0; i < width; i++) expected[r * width + i] = Math.Exp(row[i] - max) / sum;
        }
        Assert.That(Check($"softmax {rows}x{width}", dx, expected), Is.LessThan(1e-6));
    }

    /// <summary>|FFT| of windowed, hop-spaced frames against a float64 DFT, frames running past the end included.</summary>
    [TestCase(1000, 160)]
    [TestCase(512, 100)]
    public void StftMagnitudes(int count, int hop)
    {
        var samples = RandomValues.Uniform(count, 13);
        var window = Enumerable.Range(0, 400).Select(k => (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * k / 400))).ToArray();
        int frames = (count + hop - 1) / hop;
        var (cos, sin) = StftKernel.Twiddles();
        using var ds = Upload(samples);
        using var dw = Upload(window);
        using var dc = Upload(cos);
        using var dsin = Upload(sin);
        using var dm = Poisoned(frames * StftKernel.Bins);
        Kernels.StftMagnitudes(ds.View, count, hop, dw.View, dc.View, dsin.View, dm.View, frames);
        var expected = new double[frames * StftKernel.Bins];
        for (int f = 0; f < frames; f++)
            for (int k = 0; k < StftKernel.Bins; k++)
            {
                double re = 0, im = 0;
                for (int n = 0; n < 400; n++)
                {
                    int index = f * hop + n;
                    if (index >= count) break;
                    double x = (double)samples[index] * window[n], angle = -2 * Math.PI * k * n / 512;
                    re += x * Math.Cos(angle);
                    im += x * Math.Sin(angle);
                }
                expected[f * StftKernel.Bins + k] = Math.Sqrt(re * re + im * im);
            }
        Assert.That(Check($"STFT |X| {frames} frames", dm, expected), Is.LessThan(1e-5));
    }

    [Test]
    public void ActivationsAndAdd()
    {
        var x = Enumerable.Range(0, 4001).Select(i => (i - 2000) / 200f).ToArray();
        using var dg = Upload(x);
        using var ds = Upload(x);
        Kernels.Activate(dg.View, Epilogue.Gelu);
        Kernels.Activate(ds.View, Epilogue.SiLU);
        Assert.That(Check("GELU on [-10, 10]", dg, x.Select(v => NaiveReference.Gelu(v)).ToArray()), Is.LessThan(1e-6));
        Assert.That(Check("SiLU on [-10, 10]", ds, x.Select(v => NaiveReference.Silu(v)).ToArray()), Is.LessThan(1e-6));
        using var dx = Upload(x);
        using var dy = Upload(x.Select(v => v * 3).ToArray());
        Kernels.Add(dx.View, dy.View);
        Assert.That(Check("add", dx, x.Select(v => (double)v * 4).ToArray()), Is.LessThan(1e-6));
    }

    [Test]
    public void CopyRowsOutOfAWiderBlock()
    {
        // The KV-cache append: the k columns (offset 8) of 5 rows of a 24-wide q|k|v block into a cache at row 3.
        var block = RandomValues.Uniform(5 * 24, 14);
        using var source = Upload(block);
        using var cache = Poisoned(8 * 8);
        Kernels.CopyRows(source.View.From(8), 24, cache.View.From(3 * 8), 5, 8);
        _device.Accelerator.Synchronize();
        var actual = cache.GetAsArray1D();
        for (int i = 0; i < actual.Length; i++)
        {
            int row = i / 8 - 3, column = i % 8;
            if (row >= 0 && row < 5) Assert.That(actual[i], Is.EqualTo(block[row * 24 + 8 + column]), $"element {i}");
            else Assert.That(float.IsNaN(actual[i]), $"element {i} outside the copied rows was written");
        }
        TestContext.Out.WriteLine($"{backend}: copy rows exact");
    }

    [Test]
    public void EmbeddingGather()
    {
        int vocab = 50, positions = 20, t = 24;
        float[] word = RandomValues.Uniform(vocab * t, 9), position = RandomValues.Uniform(positions * t, 10), type = RandomValues.Uniform(t, 11);
        int[] ids = [0, 49, 7, 7, 2], pos = [3, 4, 5, 6, 19];
        using var dword = Upload(word);
        using var dposition = Upload(position);
        using var dtype = Upload(type);
        using var dids = _device.Accelerator.Allocate1D(ids);
        using var dpos = _device.Accelerator.Allocate1D(pos);
        using var dx = Poisoned(ids.Length * t);
        Kernels.Embed(dids.View, dpos.View, dword.View, dposition.View, dtype.View, dx.View, ids.Length, t);
        var expected = Enumerable.Range(0, ids.Length * t).Select(i => (double)(word[ids[i / t] * t + i % t] + position[pos[i / t] * t + i % t] + type[i % t])).ToArray();
        Assert.That(Check("embedding gather", dx, expected), Is.LessThan(1e-6));
    }
}
