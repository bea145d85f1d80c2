using Cacophony.Search;

namespace Cacophony.Tests.Search;

/// <summary>Index files written record by record with made-up files and random unit vectors, for tests that need no model.</summary>
static class SyntheticIndex
{
    public static IndexHeader Header(int dimension, VectorStorage storage, string root) => new()
    {
        Model = new ModelIdentity { Sha256 = new string('a', 64), Precision = "fp32", Directory = "/models/synthetic" },
        Dimension = dimension,
        Vectors = storage,
        WindowSeconds = 10,
        HopSeconds = 5,
        Roots = [root],
        RootsFromIndex = [root],
        Created = "2026-01-01T00:00:00Z",
    };

    public static IndexedFile File(string name, int windows, byte seed = 0) => new()
    {
        Root = 0,
        RelativePath = name,
        Size = 1000 + name.Length,
        ModifiedTicks = 638_000_000_000_000_000 + seed,
        ContentHash = Enumerable.Range(0, 32).Select(i => (byte)(seed * 31 + i + name.Length)).ToArray(),
        Duration = windows == 1 ? 3.5 : 5 * windows + 5,
        Windows = Enumerable.Range(0, windows).Select(w => new IndexWindow(5 * w, windows == 1 ? 3.5f : 10)).ToArray(),
    };

    public static float[] UnitVector(Random random, int dimension)
    {
        var v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++)
        {
            // Box-Muller: a direction uniform on the sphere.
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            norm += (double)v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++) v[i] = (float)(v[i] / Math.Sqrt(norm));
        return v;
    }

    /// <summary>Creates the file with its header.</summary>
    public static FileStream Create(string path, IndexHeader header)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        stream.Write(IndexFile.HeaderBytes(header));
        return stream;
    }

    /// <summary>Appends a files record; returns the vectors written, by file.</summary>
    public static float[][][] Append(FileStream stream, IndexHeader header, IReadOnlyList<IndexedFile> files, Random random)
    {
        var vectors = files.Select(f => Enumerable.Range(0, f.Windows.Count).Select(_ => UnitVector(random, header.Dimension)).ToArray()).ToArray();
        RecordWriter.WriteFiles(stream, files, vectors.SelectMany(v => v).Select(WindowVector.Of).ToList(), header.Dimension, header.Vectors);
        return vectors;
    }
}
