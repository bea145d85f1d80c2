using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Search;

/// <summary>
/// Brings an index up to date with its folders: entries of deleted files are dropped, new and changed files
/// (by size and modification time) are embedded, and a file whose bytes the index already holds (only touched,
/// or moved) takes the stored vectors. A reader thread hashes and decodes files ahead of the encoder; the
/// encoder takes windows in batches, and every batch's finished files are appended as one record flushed to
/// disk, so a crash loses at most the batch in flight. At the end the file is compacted into one record (a new
/// file renamed over the old), sorted by path, so an updated index has the bytes a fresh build would have.
/// </summary>
static class IndexUpdater
{
    abstract record Prepared(LibraryFile File);
    sealed record Failed(LibraryFile File, string Problem) : Prepared(File);
    sealed record Reused(LibraryFile File, byte[] Hash, IndexSegment Segment, int Entry) : Prepared(File);
    sealed record Decoded(LibraryFile File, byte[] Hash, double[] Samples, List<(long Start, int Length)> Windows) : Prepared(File);

    /// <summary>A decoded file whose windows are being embedded.</summary>
    sealed class Pending(IndexedFile entry, int windows)
    {
        public IndexedFile Entry { get; } = entry;
        public WindowVector[] Vectors { get; } = new WindowVector[windows];
        public int Remaining { get; set; } = windows;
    }

    public static IndexReport Run(CacophonyModel model, string path, IndexOptions options)
    {
        var clock = Stopwatch.StartNew();
        using var gate = IndexLock.Take(path);
        using var old = IndexFile.Open(path);
        var header = old.Header;
        var identity = options.Identity ?? ModelIdentity.Of(model, header.Model);
        if (!identity.SameNetwork(header.Model))
            throw new IndexFormatException(path, $"was built with the model {header.Model}, not {identity}: use that model, or build a new index");
        int rate = model.Config.Preprocessing.SampleRate;

        var skipped = new List<SkippedFile>();
        void Skip(string file, string problem)
        {
            skipped.Add(new SkippedFile(file, problem));
            options.Skipped?.Invoke(file, problem);
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var rootPaths = Enumerable.Range(0, header.Roots.Count).Select(r => Path.GetFullPath(AudioIndex.RootPath(folder, header, r))).ToList();
        IReadOnlyList<LibraryFile> scanned = LibraryScanner.Scan(rootPaths, Skip);
        if (options.Select is { } select) scanned = select(scanned);

        var todo = new List<LibraryFile>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        int unchanged = 0;
        foreach (var file in scanned)
        {
            present.Add(file.Key);
            if (old.Current.TryGetValue(file.Key, out var entry) && entry.Segment.Files[entry.File] is var known && known.Size == file.Size && known.ModifiedTicks == file.ModifiedTicks) unchanged++;
            else todo.Add(file);
        }
        var removed = old.Current.Keys.Where(k => !present.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var byContent = new Dictionary<string, (IndexSegment Segment, int File)>(StringComparer.Ordinal);
        foreach (var entry in old.Current.Values) byContent.TryAdd(Convert.ToHexString(entry.Segment.Files[entry.File].ContentHash), entry);

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        if (stream.Length > old.ValidLength) stream.SetLength(old.ValidLength); // a record torn by a crash
        stream.Position = old.ValidLength;
        int appended = 0;
        if (removed.Count > 0)
        {
            RecordWriter.WriteRemovals(stream, removed);
            appended++;
        }

        using var ready = new BlockingCollection<Prepared>(boundedCapacity: 2);
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var file in todo) ready.Add(Prepare(file, old, byContent, rate, header));
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        int embedded = 0, reused = 0, done = 0, windowsEmbedded = 0;
        var queue = new Queue<(Pending File, double[] Samples, long Start, int Length, int Window)>();
        var finished = new List<Pending>();
        int batch = Math.Max(1, options.BatchWindows);
        try
        {
            while (true)
            {
                while (queue.Count < batch && ready.TryTake(out var item, queue.Count == 0 && finished.Count == 0 ? Timeout.Infinite : 0))
                    switch (item)
                    {
                        case Failed failed:
                            Skip(failed.File.FullPath, failed.Problem);
                            done++;
                            break;
                        case Reused same:
                            var source = same.Segment.Files[same.Entry];
                            var copy = new Pending(Entry(same.File, rootPaths[same.File.Root], same.Hash, source.Duration, source.Windows), source.Windows.Count) { Remaining = 0 };
                            for (int w = 0; w < source.Windows.Count; w++) copy.Vectors[w] = WindowVector.At(same.Segment, same.Segment.FirstWindow[same.Entry] + w);
                            finished.Add(copy);
                            reused++;
                            break;
                        case Decoded decoded:
                            var windows = decoded.Windows.Select(w => new IndexWindow((float)((double)w.Start / rate), (float)((double)w.Length / rate))).ToArray();
                            var pending = new Pending(Entry(decoded.File, rootPaths[decoded.File.Root], decoded.Hash, (double)decoded.Samples.Length / rate, windows), windows.Length);
                            for (int w = 0; w < windows.Length; w++) queue.Enqueue((pending, decoded.Samples, decoded.Windows[w].Start, decoded.Windows[w].Length, w));
                            break;
                    }
                if (queue.Count == 0 && finished.Count == 0 && ready.IsCompleted) break;
                if (queue.Count > 0)
                {
                    var take = new List<(Pending File, double[] Samples, long Start, int Length, int Window)>();
                    while (take.Count < batch && queue.Count > 0) take.Add(queue.Dequeue());
                    var vectors = model.EncodeWaveforms(take.Select(t => t.Samples.AsSpan((int)t.Start, t.Length).ToArray()).ToList(), SequencePolicy.ZeroShot);
                    for (int i = 0; i < take.Count; i++)
                    {
                        var (file, _, _, _, window) = take[i];
                        if (vectors[i].Normalized.Length != header.Dimension)
                            throw new InvalidOperationException($"the model gives {vectors[i].Normalized.Length}-d embeddings, the index holds {header.Dimension}-d ones");
                        file.Vectors[window] = WindowVector.Of(vectors[i].Normalized);
                        if (--file.Remaining == 0)
                        {
                            finished.Add(file);
                            embedded++;
                        }
                    }
                    windowsEmbedded += take.Count;
                }
                if (finished.Count > 0)
                {
                    RecordWriter.WriteFiles(stream, finished.Select(f => f.Entry).ToList(), finished.SelectMany(f => f.Vectors).ToList(), header.Dimension, header.Vectors);
                    appended++;
                    done += finished.Count;
                    finished.Clear();
                    options.Progress?.Report(new IndexProgress(done, todo.Count, windowsEmbedded));
                }
                else if (queue.Count == 0) options.Progress?.Report(new IndexProgress(done, todo.Count, windowsEmbedded));
            }
        }
        finally
        {
            // On a fault of the run, stop the reader before the index it reads is closed.
            while (!reader.IsCompleted) ready.TryTake(out _, 10);
        }
        reader.GetAwaiter().GetResult();
        stream.Dispose();

        bool compact = old.Records + appended > 1 || old.Current.Count < old.Segments.Sum(s => s.Files.Length) || old.ValidLength < old.FileLength;
        if (compact) Compact(path, header with { Model = identity });
        return new IndexReport(embedded, reused, unchanged, removed.Count, skipped, windowsEmbedded, compact, clock.Elapsed);
    }

    static IndexedFile Entry(LibraryFile file, string rootPath, byte[] hash, double duration, IReadOnlyList<IndexWindow> windows) => new()
    {
        Root = file.Root,
        RelativePath = file.RelativePath,
        RootPath = rootPath,
        Size = file.Size,
        ModifiedTicks = file.ModifiedTicks,
        ContentHash = hash,
        Duration = duration,
        Windows = windows,
    };

    /// <summary>On the reader thread: hash the file; take stored vectors for bytes already indexed, else decode and resample it whole.</summary>
    static Prepared Prepare(LibraryFile file, IndexFile old, Dictionary<string, (IndexSegment Segment, int File)> byContent, int rate, IndexHeader header)
    {
        try
        {
            byte[] hash;
            using (var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                hash = SHA256.HashData(stream);
            if (old.Current.TryGetValue(file.Key, out var same) && same.Segment.Files[same.File].ContentHash.AsSpan().SequenceEqual(hash))
                return new Reused(file, hash, same.Segment, same.File);
            if (byContent.TryGetValue(Convert.ToHexString(hash), out var moved)) return new Reused(file, hash, moved.Segment, moved.File);
            var audio = AudioDecoder.Read(file.FullPath);
            var samples = Resampler.Resample(audio.Samples, audio.SampleRate, rate);
            return new Decoded(file, hash, samples, AudioWindows.Of(samples.Length, rate, header.WindowSeconds, header.HopSeconds));
        }
        catch (AudioFormatException e)
        {
            return new Failed(file, e.Problem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException)
        {
            return new Failed(file, e.Message);
        }
    }

    /// <summary>Rewrites the index as its header and one record of the current entries, sorted by root and path, and renames it into place.</summary>
    public static void Compact(string path, IndexHeader header)
    {
        using (var index = IndexFile.Open(path)) Write(path + ".compacting", header, [index]);
        File.Move(path + ".compacting", path, overwrite: true);
    }

    /// <summary>
    /// Writes <paramref name="header"/> and one record of the current entries of <paramref name="indexes"/> (no file in
    /// two of them), sorted by root and path: the bytes a build of all their files writes.
    /// </summary>
    public static void Write(string path, IndexHeader header, IReadOnlyList<IndexFile> indexes)
    {
        var entries = indexes.SelectMany(i => i.Current.Values).OrderBy(e => e.Segment.Files[e.File].Root).ThenBy(e => e.Segment.Files[e.File].RelativePath, StringComparer.Ordinal).ToList();
        using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        stream.Write(IndexFile.HeaderBytes(header));
        if (entries.Count > 0)
            RecordWriter.WriteFiles(stream, entries.Select(e => e.Segment.Files[e.File]).ToList(),
                entries.SelectMany(e => Enumerable.Range(e.Segment.FirstWindow[e.File], e.Segment.Files[e.File].Windows.Count).Select(w => WindowVector.At(e.Segment, w))).ToList(),
                header.Dimension, header.Vectors);
        stream.Flush(flushToDisk: true);
    }
}
