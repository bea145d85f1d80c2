namespace Cacophony.Search;

/// <summary>A window's vector on its way into a record: fresh from the encoder, or one already stored in an open index (reused when a file moved or was only touched, or copied by compaction).</summary>
readonly record struct WindowVector(float[]? Fresh, IndexSegment? Stored, int Window)
{
    public static WindowVector Of(float[] vector) => new(vector, null, 0);
    public static WindowVector At(IndexSegment segment, int window) => new(null, segment, window);
}
