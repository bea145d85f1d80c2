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

    /// <summary>The best results among the current entries, highest score first (ties by path).</summary>
    public static List<SearchHit> Top(IndexFile index, float[] scores, SearchOptions options)
    {
        if (options.Top < 1) throw new ArgumentException($"top must be at least 1, not {options.Top}");
        var heap = new PriorityQueue<SearchHit, float>();
        void Offer(IndexedFile file, IndexWindow window, float score)
        {
            if (!(score >= options.MinScore)) return;
            if (heap.Count < options.Top) heap.Enqueue(new SearchHit(file, window, score), score);
            else if (score > heap.Peek().Score) heap.DequeueEnqueue(new SearchHit(file, window, score), score);
        }
        foreach (var segment in index.Segments)
            for (int f = 0; f < segment.Files.Length; f++)
            {
                if (!segment.Live[f]) continue;
                var file = segment.Files[f];
                if (options.ExcludeContent is { } excluded && file.ContentHash.AsSpan().SequenceEqual(excluded)) continue;
                int first = segment.Base + segment.FirstWindow[f];
                if (options.PerWindow)
                {
                    for (int w = 0; w < file.Windows.Count; w++) Offer(file, file.Windows[w], scores[first + w]);
                    continue;
                }
                int best = 0;
                for (int w = 1; w < file.Windows.Count; w++)
                    if (scores[first + w] > scores[first + best]) best = w;
                Offer(file, file.Windows[best], scores[first + best]);
            }
        var hits = new List<SearchHit>(heap.Count);
        while (heap.Count > 0) hits.Add(heap.Dequeue());
        hits.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Path, b.Path) is var byPath && byPath != 0 ? byPath : a.Window.Offset.CompareTo(b.Window.Offset));
        return hits;
    }
}
