using Cacophony.Kernels.Cpu;

namespace Cacophony.Search;

/// <summary>
/// Exact search: the query's cosine with every stored window (the vectors are normalized, so a dot product), in
/// blocks of rows spread over the CPU engine's worker threads, then the best files (or windows) by a bounded heap.
/// </summary>
static unsafe class VectorSearch
{
    const int BlockRows = 2048;

    /// <summary>The score of every window of the index, superseded ones included (they are skipped when ranking).</summary>
    public static float[] Scores(IndexFile index, ReadOnlySpan<float> query)
    {
        if (query.Length != index.Header.Dimension) throw new ArgumentException($"a query of {query.Length} values against an index of {index.Header.Dimension}-d vectors");
        var scores = new float[index.Windows];
        var blocks = new List<(IndexSegment Segment, int Start, int Count)>();
        foreach (var segment in index.Segments)
            for (int start = 0; start < segment.Windows; start += BlockRows) blocks.Add((segment, start, Math.Min(BlockRows, segment.Windows - start)));
        var floats = query.ToArray();
        float queryScale = 0;
        var int16 = index.Header.Vectors == VectorStorage.Int8 ? VectorScoring.QueryInt16(query, out queryScale) : null;
        WorkerPool.For(blocks.Count, b =>
        {
            var (segment, start, count) = blocks[b];
            int dimension = segment.Dimension;
            fixed (float* output = &scores[segment.Base + start])
                if (int16 is null)
                {
                    fixed (float* q = floats) VectorScoring.Float32(segment.FloatRows + (long)start * dimension, count, dimension, q, output);
                }
                else
                {
                    fixed (short* q = int16) VectorScoring.Int8(segment.Int8Rows + (long)start * dimension, segment.Scales + start, count, dimension, q, queryScale, output);
                }
        });
        return scores;
    }

    /// <summary>
    /// The best results among the current entries, highest score first (ties by path). Files are ranked in parts on
    /// the worker threads, each keeping its own bounded heap; a file is only looked at (live? excluded?) when its
    /// best window would enter its part's heap, so the pass reads little beyond the scores.
    /// </summary>
    public static List<SearchHit> Top(IndexFile index, float[] scores, SearchOptions options)
    {
        if (options.Top < 1) throw new ArgumentException($"top must be at least 1, not {options.Top}");
        var parts = new List<(IndexSegment Segment, int Start, int Count)>();
        foreach (var segment in index.Segments)
            for (int start = 0; start < segment.Files.Length; start += BlockFiles) parts.Add((segment, start, Math.Min(BlockFiles, segment.Files.Length - start)));
        var found = new List<SearchHit>[parts.Count];
        WorkerPool.For(parts.Count, p => found[p] = TopOfPart(parts[p].Segment, parts[p].Start, parts[p].Count, scores, options));
        var hits = found.SelectMany(h => h).ToList();
        hits.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Path, b.Path) is var byPath && byPath != 0 ? byPath : a.Window.Offset.CompareTo(b.Window.Offset));
        return hits.Count > options.Top ? hits.GetRange(0, options.Top) : hits;
    }

    const int BlockFiles = 16384;

    static List<SearchHit> TopOfPart(IndexSegment segment, int start, int count, float[] scores, SearchOptions options)
    {
        var heap = new PriorityQueue<(int File, int Window), float>();
        // A window enters when it reaches the minimum score and, once the heap is full, beats its least entry.
        float least = float.NegativeInfinity;
        bool Enters(float score) => score >= options.MinScore && score > least;
        var first = segment.FirstWindow;
        int origin = segment.Base;
        bool Wanted(int file) => segment.Live[file] && (options.ExcludeContent is not { } excluded || !segment.Files[file].ContentHash.AsSpan().SequenceEqual(excluded));
        void Offer(int file, int window, float score)
        {
            if (heap.Count < options.Top) heap.Enqueue((file, window), score);
            else heap.DequeueEnqueue((file, window), score);
            if (heap.Count == options.Top) heap.TryPeek(out _, out least);
        }
        for (int f = start; f < start + count; f++)
        {
            int from = first[f], to = first[f + 1];
            if (options.PerWindow)
            {
                for (int w = from; w < to; w++)
                    if (Enters(scores[origin + w]) && Wanted(f)) Offer(f, w - from, scores[origin + w]);
                continue;
            }
            int best = from;
            for (int w = from + 1; w < to; w++)
                if (scores[origin + w] > scores[origin + best]) best = w;
            if (Enters(scores[origin + best]) && Wanted(f)) Offer(f, best - from, scores[origin + best]);
        }
        var hits = new List<SearchHit>(heap.Count);
        while (heap.TryDequeue(out var hit, out float score))
        {
            var file = segment.Files[hit.File];
            hits.Add(new SearchHit(file, file.Windows[hit.Window], score));
        }
        return hits;
    }
}
