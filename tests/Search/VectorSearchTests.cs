using Cacophony.Search;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>
/// The search against a float64 brute force over the same stored vectors: the same files in the same order with the
/// same scores (float32 storage), scores within the int8 error and the planted neighbours found (compact storage),
/// one result per file at its best window, and the filters (top, minimum score, excluded content).
/// </summary>
public class VectorSearchTests
{
    TempDirectory _temp = null!;

    [SetUp]
    public void Create() => _temp = new TempDirectory();

    [TearDown]
    public void Remove() => _temp.Dispose();

    /// <summary>An index of files with 1-3 windows and random unit vectors, a few of them planted near the query.</summary>
    (string Path, float[][][] Vectors, float[] Query, int[] Planted) Library(VectorStorage storage, int dimension, int files, int records)
    {
        var random = new Random(dimension + files);
        var query = SyntheticIndex.UnitVector(random, dimension);
        string path = _temp.File($"lib-{storage}-{dimension}.cidx");
        var header = SyntheticIndex.Header(dimension, storage, _temp.Path);
        var all = new List<float[][]>();
        int[] planted = [files / 3, files / 2, files - 1];
        using (var stream = SyntheticIndex.Create(path, header))
            for (int r = 0; r < records; r++)
            {
                var batch = Enumerable.Range(r * files / records, files / records).Select(i => SyntheticIndex.File($"f{i:D5}.wav", 1 + i % 3, (byte)i)).ToList();
                var vectors = batch.Select(f => Enumerable.Range(0, f.Windows.Count).Select(_ => SyntheticIndex.UnitVector(random, dimension)).ToArray()).ToArray();
                for (int k = 0; k < batch.Count; k++)
                {
                    int i = r * files / records + k;
                    int p = Array.IndexOf(planted, i);
                    if (p < 0) continue;
                    // The last window of a planted file: the query plus noise, nearer as p grows.
                    var noise = SyntheticIndex.UnitVector(random, dimension);
                    double weight = 0.5 + 0.2 * p;
                    var v = vectors[k][^1];
                    double norm = 0;
                    for (int j = 0; j < dimension; j++)
                    {
                        v[j] = (float)(weight * query[j] + (1 - weight) * noise[j]);
                        norm += (double)v[j] * v[j];
                    }
                    for (int j = 0; j < dimension; j++) v[j] = (float)(v[j] / Math.Sqrt(norm));
                }
                RecordWriter.WriteFiles(stream, batch, vectors.SelectMany(v => v).Select(WindowVector.Of).ToList(), dimension, storage);
                all.AddRange(vectors);
            }
        return (path, all.ToArray(), query, planted);
    }

    /// <summary>Best window per file in float64 from the vectors as stored (dequantized for int8), highest first, ties by path.</summary>
    static List<(string Path, double Score, int Window)> Reference(AudioIndex index, float[] query)
    {
        var best = new List<(string, double, int)>();
        foreach (var file in index.Files)
        {
            double top = double.NegativeInfinity;
            int at = 0;
            for (int w = 0; w < file.Windows.Count; w++)
            {
                var v = index.Vector(file, w);
                double dot = 0;
                for (int j = 0; j < v.Length; j++) dot += (double)v[j] * query[j];
                if (dot > top) (top, at) = (dot, w);
            }
            best.Add((file.FullPath, top, at));
        }
        return best.OrderByDescending(b => b.Item2).ThenBy(b => b.Item1, StringComparer.Ordinal).ToList();
    }

    [TestCase(768, 3000, 3)]
    [TestCase(40, 500, 1)]
    [TestCase(37, 258, 2)]
    public void Float32SearchEqualsAFloat64BruteForce(int dimension, int files, int records)
    {
        var (path, _, query, planted) = Library(VectorStorage.Float32, dimension, files, records);
        using var index = AudioIndex.Open(path);
        var hits = index.Search(query, new SearchOptions { Top = 25 });
        var expected = Reference(index, query).Take(25).ToList();
        Assert.That(hits.Select(h => h.Path), Is.EqualTo(expected.Select(e => e.Path)));
        for (int i = 0; i < hits.Count; i++)
        {
            Assert.That(hits[i].Score, Is.EqualTo(expected[i].Score).Within(2e-6), hits[i].Path);
            Assert.That(hits[i].Window, Is.EqualTo(hits[i].File.Windows[expected[i].Window]));
        }
        Assert.That(hits.Take(3).Select(h => h.File.RelativePath), Is.EqualTo(planted.Reverse().Select(i => $"f{i:D5}.wav")), "the planted files, nearest first");
    }

    [TestCase(768)]
    [TestCase(40)]
    public void CompactSearchScoresWithinTheInt8ErrorAndFindsThePlantedFiles(int dimension)
    {
        var (path, vectors, query, planted) = Library(VectorStorage.Int8, dimension, 2000, 2);
        using var index = AudioIndex.Open(path);
        var hits = index.Search(query, new SearchOptions { Top = 50 });
        var expected = Reference(index, query).ToDictionary(e => e.Path, e => e.Score);
        // Against the dequantized stored vectors the only error left is the int16 query's (1e-4 of the scale).
        foreach (var hit in hits) Assert.That(hit.Score, Is.EqualTo(expected[hit.Path]).Within(2e-4), hit.Path);
        // Against the float32 vectors before quantization: within the int8 error.
        int fileIndex(string p) => int.Parse(Path.GetFileNameWithoutExtension(p)[1..], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var hit in hits)
        {
            var original = vectors[fileIndex(hit.Path)];
            double top = original.Max(v => v.Select((x, j) => (double)x * query[j]).Sum());
            Assert.That(hit.Score, Is.EqualTo(top).Within(0.01), hit.Path);
        }
        Assert.That(hits.Take(3).Select(h => h.File.RelativePath), Is.EqualTo(planted.Reverse().Select(i => $"f{i:D5}.wav")));
    }

    [Test]
    public void PerWindowResultsMinimumScoreAndExcludedContent()
    {
        var (path, _, query, planted) = Library(VectorStorage.Float32, 64, 300, 1);
        using var index = AudioIndex.Open(path);
        var perWindow = index.Search(query, new SearchOptions { Top = 1000, PerWindow = true });
        Assert.That(perWindow, Has.Count.EqualTo(index.Windows), "every window once");
        Assert.That(perWindow.Select(h => h.Score), Is.Ordered.Descending);
        var perFile = index.Search(query, new SearchOptions { Top = 400 });
        Assert.That(perFile, Has.Count.EqualTo(index.Files.Count));
        Assert.That(perFile.Select(h => h.Path).Distinct().Count(), Is.EqualTo(perFile.Count), "one result per file");
        // A file's result is its best window among the per-window results.
        foreach (var hit in perFile) Assert.That(hit.Score, Is.EqualTo(perWindow.Where(w => w.Path == hit.Path).Max(w => w.Score)));

        var above = index.Search(query, new SearchOptions { Top = 400, MinScore = 0.1f });
        Assert.That(above.Select(h => h.Path), Is.EqualTo(perFile.Where(h => h.Score >= 0.1f).Select(h => h.Path)));

        var nearest = perFile[0].File;
        var without = index.Search(query, new SearchOptions { Top = 3, ExcludeContent = nearest.ContentHash });
        Assert.That(without.Select(h => h.Path), Is.EqualTo(perFile.Skip(1).Take(3).Select(h => h.Path)));
        Assert.That(nearest.RelativePath, Is.EqualTo($"f{planted[^1]:D5}.wav"));
        Assert.Throws<ArgumentException>(() => index.Search(query, new SearchOptions { Top = 0 }));
        Assert.Throws<ArgumentException>(() => index.Search(query.AsSpan(1), new SearchOptions()));
    }

    [TestCase(16_000, 10.0, 5.0, 3.0, new double[] { 0 })]
    [TestCase(16_000, 10.0, 5.0, 10.0, new double[] { 0 })]
    [TestCase(16_000, 10.0, 5.0, 12.0, new double[] { 0, 2 })]
    [TestCase(16_000, 10.0, 5.0, 20.0, new double[] { 0, 5, 10 })]
    [TestCase(16_000, 10.0, 5.0, 23.0, new double[] { 0, 5, 10, 13 })]
    [TestCase(16_000, 10.0, 10.0, 30.0, new double[] { 0, 10, 20 })]
    [TestCase(16_000, 4.0, 1.5, 7.0, new double[] { 0, 1.5, 3 })]
    public void WindowsCoverTheFileAndTheLastEndsAtItsEnd(int rate, double window, double hop, double seconds, double[] offsets)
    {
        long samples = (long)(seconds * rate);
        var windows = AudioWindows.Of(samples, rate, window, hop);
        Assert.That(windows.Select(w => w.Start / (double)rate), Is.EqualTo(offsets));
        Assert.That(windows[^1].Start + windows[^1].Length, Is.EqualTo(samples), "the last window ends at the end");
        Assert.That(windows.All(w => w.Length == Math.Min(samples, (long)(window * rate))));
    }
}
