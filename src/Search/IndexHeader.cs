using System.Text.Json.Serialization;

namespace Cacophony.Search;

/// <summary>How the vectors of an index are stored.</summary>
public enum VectorStorage
{
    /// <summary>float32, 4 bytes a dimension (3 KB a window at 768-d).</summary>
    [JsonStringEnumMemberName("float32")]
    Float32,
    /// <summary>int8 with one float32 scale per vector (`--compact`): a quarter of the size, cosines within ~1e-3.</summary>
    [JsonStringEnumMemberName("int8")]
    Int8,
}

/// <summary>The JSON header of a .cidx file: which model made the vectors, how they are stored and what was indexed.</summary>
public sealed record IndexHeader
{
    /// <summary>The model that embedded the library; a query with another model is refused.</summary>
    public required ModelIdentity Model { get; init; }

    /// <summary>Length of every vector.</summary>
    public required int Dimension { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<VectorStorage>))]
    public required VectorStorage Vectors { get; init; }

    /// <summary>Window length and hop of long files, in seconds (a file up to one window long is one window).</summary>
    public required double WindowSeconds { get; init; }

    public required double HopSeconds { get; init; }

    /// <summary>The indexed folders, absolute.</summary>
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>The same folders relative to the index file's folder: used when the absolute ones are gone (a library moved together with its index).</summary>
    public required IReadOnlyList<string> RootsFromIndex { get; init; }

    /// <summary>When the index was first built (UTC, ISO 8601).</summary>
    public required string Created { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(IndexHeader))]
internal sealed partial class SearchJson : JsonSerializerContext;
