namespace Cacophony.Search;

/// <summary>
/// The bytes of a .cidx file (docs/SEARCH.md has the same table). A header, then records appended one after
/// another, each starting at a multiple of 64 bytes so that vector blocks are aligned in the memory map:
/// <code>
/// header   "CACOIDX\n" | u32 version | u32 json length L | 8-byte digest of the JSON | JSON (IndexHeader) | zeros to a multiple of 64
/// record   "CREC" | u32 kind (1 files, 2 removals) | i64 payload length P | 8-byte digest of the metadata | 8-byte digest of the payload | payload (P bytes)
/// payload  i32 files | i32 windows | i32 metadata length M | i32 vector offset (from the payload start) | metadata (M bytes) | zeros | vectors
/// </code>
/// Digests are the first 8 bytes of SHA-256. Vectors are windows x dimension float32, or, in a compact index,
/// windows x dimension int8 then (at the next multiple of 64) one float32 scale per window. A record is written
/// whole and flushed to disk before the next one starts, so only the last record can be torn by a crash: opening
/// checks every record's metadata digest and the last record's payload digest, and ignores a torn tail.
/// </summary>
static class IndexLayout
{
    public static ReadOnlySpan<byte> FileMagic => "CACOIDX\n"u8;
    public static ReadOnlySpan<byte> RecordMagic => "CREC"u8;

    /// <summary>The format this code writes; a file of another version is refused by name.</summary>
    public const int Version = 1;

    public const int Alignment = 64;
    public const int HeaderPrefix = 24;
    public const int RecordHeader = 32;
    public const int PayloadPrefix = 16;
    public const int DigestLength = 8;

    public static long Align(long offset) => (offset + Alignment - 1) & ~(long)(Alignment - 1);

    public static ulong Digest(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(bytes, hash);
        return BitConverter.ToUInt64(hash);
    }
}

/// <summary>What a record holds.</summary>
enum RecordKind
{
    /// <summary>Files with their windows and vectors; a file here replaces any earlier entry of the same path.</summary>
    Files = 1,
    /// <summary>Paths whose entries are dropped (the files were deleted).</summary>
    Removals = 2,
}
