using Cacophony.Search;

namespace Cacophony.Benchmarks.Search;

/// <summary>
/// Index files of N one-window entries with random 768-d unit vectors, written once under the temp folder and
/// reused by later benchmark processes (a million float32 entries are a 3 GB file).
/// </summary>
static class SyntheticLibraryIndex
{
    public const int Dimension = 768;

    public static string PathFor(int entries, VectorStorage storage) =>
        Path.Combine(Path.GetTempPath(), "cacophony-search-bench", $"{entries}-{storage.ToString().ToLowerInvariant()}.cidx");

    public static string Ensure(int entries, VectorStorage storage)
    {
        string path = PathFor(entries, storage);
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = new IndexHeader
        {
            Model = new ModelIdentity { Sha256 = "synthetic", Precision = "fp32" },
            Dimension = Dimension,
            Vectors = storage,
            WindowSeconds = 10,
            HopSeconds = 5,
            Roots = ["/library"],
            RootsFromIndex = ["/library"],
            Created = "2026-01-01T00:00:00Z",
        };
        var random = new Random(entries);
        var files = new IndexedFile[entries];
        var vectors = new WindowVector[entries];
        for (int i = 0; i < entries; i++)
        {
            files[i] = new IndexedFile
            {
                Root = 0,
                RelativePath = $"sounds/{i / 1000:D4}/clip{i:D7}.wav",
                Size = 160_044,
                ModifiedTicks = 638_000_000_000_000_000 + i,
                ContentHash = BitConverter.GetBytes((long)i).Concat(new byte[24]).ToArray(),
                Duration = 5,
                Windows = [new IndexWindow(0, 5)],
            };
            vectors[i] = WindowVector.Of(UnitVector(random));
        }
        string temporary = path + ".writing";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite))
        {
            stream.Write(IndexFile.HeaderBytes(header));
            RecordWriter.WriteFiles(stream, files, vectors, Dimension, storage);
        }
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    static float[] UnitVector(Random random)
    {
        var v = new float[Dimension];
        for (int i = 0; i < Dimension; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
        System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
        return v;
    }
}
