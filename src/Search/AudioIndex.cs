using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Search;

/// <summary>
/// A searchable sound library: one .cidx file holding a normalized embedding for every window of every audio file
/// under some folders (10 s windows every 5 s for long recordings, so a result says where in the file it is).
/// <see cref="Build"/> makes one, <see cref="Update"/> brings it up to date, <see cref="Open"/> maps it for
/// searching by text, by example or by a vector. The search is exact (every vector is scored) and multithreaded.
/// An open index is a snapshot: an update writes around it and replaces the file by a rename.
/// </summary>
public sealed class AudioIndex : IDisposable
{
    readonly IndexFile _file;
    readonly Lazy<List<IndexedFile>> _files;

    AudioIndex(IndexFile file)
    {
        _file = file;
        _files = new(() =>
        {
            var files = file.Segments.SelectMany(s => s.Files.Where((_, f) => s.Live[f])).ToList();
            // A finished index is already in this order; an interrupted one is sorted here.
            for (int i = 1; i < files.Count; i++)
                if (Order(files[i - 1], files[i]) > 0)
                {
                    files.Sort(Order);
                    break;
                }
            return files;
        });
    }

    static int Order(IndexedFile a, IndexedFile b) => a.Root != b.Root ? a.Root.CompareTo(b.Root) : string.CompareOrdinal(a.RelativePath, b.RelativePath);

    public string Path => _file.Path;

    /// <summary>The open file under it (benchmarks read its vector blocks directly).</summary>
    internal IndexFile Opened => _file;
    public IndexHeader Header => _file.Header;

    /// <summary>The indexed files, by root and path.</summary>
    public IReadOnlyList<IndexedFile> Files => _files.Value;

    /// <summary>Windows of the indexed files (the vectors a query is scored against).</summary>
    public int Windows => _file.Segments.Sum(s => Enumerable.Range(0, s.Files.Length).Where(f => s.Live[f]).Sum(f => s.FirstWindow[f + 1] - s.FirstWindow[f]));

    /// <summary>Size of the index file.</summary>
    public long Bytes => _file.FileLength;

    /// <summary>Bytes after the last whole record (a write cut short by a crash), ignored; the next update drops them.</summary>
    public long TornBytes => _file.FileLength - _file.ValidLength;

    /// <summary>Records in the file: 1 after a finished build or update, more after an interrupted one.</summary>
    public int Records => _file.Records;

    public static AudioIndex Open(string path) => new(IndexFile.Open(path));

    /// <summary>
    /// Reads every vector against its record's digest and throws naming the first damaged record. Opening checks
    /// the records' structure and metadata, which is what a crash can break; this also catches damage on the disk.
    /// </summary>
    public void Verify() => _file.Verify();

    /// <summary>
    /// Indexes the audio files under <paramref name="folders"/> into a new index at <paramref name="path"/>. An index
    /// left there by an interrupted build of the same folders, model and settings is continued; any other existing
    /// file is refused (delete it to build anew, or <see cref="Update"/> it).
    /// </summary>
    public static IndexReport Build(CacophonyModel model, IReadOnlyList<string> folders, string path, IndexOptions? options = null)
    {
        options ??= new IndexOptions();
        if (folders.Count == 0) throw new ArgumentException("no folders to index");
        if (options.WindowSeconds <= 0 || options.HopSeconds <= 0 || options.HopSeconds > options.WindowSeconds)
            throw new ArgumentException($"windows of {options.WindowSeconds} s every {options.HopSeconds} s: both must be positive and the hop at most the window");
        foreach (var folder in folders)
            if (!Directory.Exists(folder)) throw new ArgumentException($"{folder}: folder not found");
        string full = System.IO.Path.GetFullPath(path), at = System.IO.Path.GetDirectoryName(full)!;
        var roots = folders.Select(f => System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(f))).ToList();
        var identity = options.Identity ?? ModelIdentity.Of(model);
        var header = new IndexHeader
        {
            Model = identity,
            Dimension = model.IsAudioMae ? model.Config.Audio.HiddenSize : model.Config.ProjectionSize,
            Vectors = options.Compact ? VectorStorage.Int8 : VectorStorage.Float32,
            WindowSeconds = options.WindowSeconds,
            HopSeconds = options.HopSeconds,
            Roots = roots,
            RootsFromIndex = roots.Select(r => System.IO.Path.GetRelativePath(at, r)).ToList(),
            Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (File.Exists(full))
        {
            using var existing = IndexFile.Open(full);
            var had = existing.Header;
            if (!had.Roots.SequenceEqual(header.Roots) || !had.Model.SameNetwork(identity) || had.Vectors != header.Vectors || had.WindowSeconds != header.WindowSeconds || had.HopSeconds != header.HopSeconds)
                throw new IndexFormatException(path, "already exists, an index of other folders, model or settings: `index update` updates it; delete it (or --force) to build anew");
        }
        else
        {
            Directory.CreateDirectory(at);
            string temporary = full + ".creating";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(IndexFile.HeaderBytes(header));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full);
        }
        return IndexUpdater.Run(model, full, options);
    }

    /// <summary>
    /// Joins the indexes that the shards of one build wrote (each over its slice of the same folders, with the same
    /// model and settings) into one index at <paramref name="path"/>: the bytes a single build writes, its creation
    /// time that of the first part. The parts must not share a file.
    /// </summary>
    public static void Merge(IReadOnlyList<string> parts, string path)
    {
        if (parts.Count == 0) throw new ArgumentException("no parts to merge");
        var opened = new List<IndexFile>();
        try
        {
            foreach (var part in parts) opened.Add(IndexFile.Open(part));
            var first = opened[0].Header;
            foreach (var other in opened.Skip(1))
                if (!other.Header.Roots.SequenceEqual(first.Roots) || !other.Header.Model.SameNetwork(first.Model) || other.Header.Vectors != first.Vectors
                    || other.Header.WindowSeconds != first.WindowSeconds || other.Header.HopSeconds != first.HopSeconds || other.Header.Dimension != first.Dimension)
                    throw new IndexFormatException(other.Path, $"is a part of another build than {opened[0].Path} (other folders, model or settings)");
            var shared = opened.SelectMany(i => i.Current.Keys).GroupBy(k => k, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (shared is not null) throw new IndexFormatException(path, $"the parts both hold {shared.Key}: they overlap");
            string full = System.IO.Path.GetFullPath(path), at = System.IO.Path.GetDirectoryName(full)!;
            var header = first with { RootsFromIndex = first.Roots.Select(r => System.IO.Path.GetRelativePath(at, r)).ToList() };
            Directory.CreateDirectory(at);
            IndexUpdater.Write(full + ".merging", header, opened);
        }
        finally
        {
            foreach (var index in opened) index.Dispose();
        }
        File.Move(System.IO.Path.GetFullPath(path) + ".merging", System.IO.Path.GetFullPath(path), overwrite: true);
    }

    /// <summary>Brings the index up to date with its folders (the ones it was built from): new and changed files are embedded, deleted ones dropped.</summary>
    public static IndexReport Update(CacophonyModel model, string path, IndexOptions? options = null) =>
        IndexUpdater.Run(model, System.IO.Path.GetFullPath(path), options ?? new IndexOptions());

    /// <summary>Refuses a model other than the one that built the index (its weights or precision differ).</summary>
    public void RequireModel(CacophonyModel model)
    {
        var identity = ModelIdentity.Of(model, Header.Model);
        if (!identity.SameNetwork(Header.Model))
            throw new IndexFormatException(Path, $"was built with the model {Header.Model}, not {identity}: search it with that model, or build an index with this one");
    }

    /// <summary>The best files (or windows) for a normalized query vector.</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, SearchOptions? options = null) =>
        VectorSearch.Top(_file, VectorSearch.Scores(_file, query), options ?? new SearchOptions());

    /// <summary>The best files for a description, embedded by the model that built the index.</summary>
    public IReadOnlyList<SearchHit> Search(CacophonyModel model, string text, SearchOptions? options = null)
    {
        RequireModel(model);
        if (model.IsAudioMae) throw new InvalidOperationException("an AudioMAE model has no text tower: search its index by example (an audio file)");
        return Search(model.EmbedText(text), options);
    }

    /// <summary>The best files for an example recording (embedded as the index embeds files: its windows' mean, normalized).</summary>
    /// <param name="excludeSelf">Leave out files with the example's bytes (the example itself when it is in the library).</param>
    public IReadOnlyList<SearchHit> SearchLike(CacophonyModel model, string audioFile, SearchOptions? options = null, bool excludeSelf = false)
    {
        RequireModel(model);
        options ??= new SearchOptions();
        if (excludeSelf) options = options with { ExcludeContent = System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(audioFile)) };
        return Search(EmbedFile(model, audioFile), options);
    }

    /// <summary>A file's embedding as a query: each window as the index embeds it, their mean normalized.</summary>
    public float[] EmbedFile(CacophonyModel model, string audioFile) => EmbedAudio(model, AudioDecoder.Read(audioFile));

    /// <summary>Decoded audio's embedding as a query, as <see cref="EmbedFile"/> embeds a file.</summary>
    public float[] EmbedAudio(CacophonyModel model, DecodedAudio audio)
    {
        int rate = model.Config.Preprocessing.SampleRate;
        var samples = Resampler.Resample(audio.Samples, audio.SampleRate, rate);
        var windows = AudioWindows.Of(samples.Length, rate, Header.WindowSeconds, Header.HopSeconds);
        var vectors = new List<float[]>();
        for (int i = 0; i < windows.Count; i += 8)
            vectors.AddRange(model.EncodeWaveforms(windows.Skip(i).Take(8).Select(w => samples.AsSpan((int)w.Start, w.Length).ToArray()).ToList(), SequencePolicy.ZeroShot).Select(e => e.Normalized));
        return vectors.Count == 1 ? vectors[0] : MeanDirection(vectors);
    }

    /// <summary>A file's embedding from the index: its windows' mean, normalized (the one window of a short file as it is).</summary>
    public float[] FileEmbedding(IndexedFile file)
    {
        var vectors = Enumerable.Range(0, file.Windows.Count).Select(w => Vector(file, w)).ToList();
        return vectors.Count == 1 ? vectors[0] : MeanDirection(vectors);
    }

    /// <summary>The stored vector of one window of an indexed file (dequantized in a compact index).</summary>
    public float[] Vector(IndexedFile file, int window)
    {
        if (!_file.Current.TryGetValue(file.Key, out var entry) || !ReferenceEquals(entry.Segment.Files[entry.File], file))
            throw new ArgumentException($"{file.RelativePath} is not a current entry of {Path}");
        if ((uint)window >= (uint)file.Windows.Count) throw new ArgumentOutOfRangeException(nameof(window), $"{file.RelativePath} has {file.Windows.Count} windows");
        var vector = new float[Header.Dimension];
        entry.Segment.Read(entry.Segment.FirstWindow[entry.File] + window, vector);
        return vector;
    }

    static float[] MeanDirection(List<float[]> vectors)
    {
        var mean = new float[vectors[0].Length];
        foreach (var v in vectors) System.Numerics.Tensors.TensorPrimitives.Add(mean, v, mean);
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(mean);
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(mean, norm, mean);
        return mean;
    }

    /// <summary>
    /// Zero-shot tags of every indexed file: the labels (as "prompt + label", 77 tokens, like zero-shot
    /// classification) ranked by exp(logit_scale) times their cosine with the file's embedding, top-k with softmax probabilities.
    /// </summary>
    public IReadOnlyList<(IndexedFile File, IReadOnlyList<LabelScore> Tags)> Tag(CacophonyModel model, IReadOnlyList<string> labels, int top = 5, string? prompt = null)
    {
        RequireModel(model);
        if (model.IsAudioMae) throw new InvalidOperationException("an AudioMAE model has no text tower: zero-shot tags need a Cacophony model");
        if (top < 1) throw new ArgumentException($"top must be at least 1, not {top}");
        prompt ??= model.Config.Preprocessing.ZsPrefix;
        var texts = model.EmbedText(labels.Select(l => prompt + l), model.Config.Preprocessing.MaxTextLenZeroShotClasses);
        return Files.Select(f => (f, (IReadOnlyList<LabelScore>)model.ZeroShot(FileEmbedding(f), labels, texts).Take(top).ToList())).ToList();
    }

    /// <summary>Where root <paramref name="root"/> of an index in <paramref name="folder"/> is: its absolute path, or, when that is gone, its path relative to the index.</summary>
    internal static string RootPath(string folder, IndexHeader header, int root)
    {
        string absolute = header.Roots[root];
        if (Directory.Exists(absolute) || root >= header.RootsFromIndex.Count) return absolute;
        string relative = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, header.RootsFromIndex[root]));
        return Directory.Exists(relative) ? relative : absolute;
    }

    public void Dispose() => _file.Dispose();
}
