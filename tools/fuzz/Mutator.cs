using System.Text;

namespace Cacophony.Fuzz;

/// <summary>
/// Damages a seed file. Generic byte-level edits (bit flips, edge values over integers, truncation, insertion,
/// duplication and deletion of spans) plus edits that know the format's structure, so that mutants reach past
/// the first sanity check: WAV chunk and fmt fields, Ogg page fields with their CRC recomputed, JSON numbers,
/// strings and nesting, msgpack and pickle headers and nesting bombs, zip records.
/// </summary>
public sealed class Mutator(Random random)
{
    const int MaxBytes = 16 << 20;

    static readonly long[] EdgeValues = [0, 1, -1, 2, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 1L << 31, 1L << 32, 1L << 40];

    public byte[] Mutate(byte[] seed, SeedKind kind)
    {
        var bytes = (byte[])seed.Clone();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            bytes = random.Next(3) == 0 ? Generic(bytes) : Structured(bytes, kind);
            // Edits compound; a mutant stays small enough to write and read back many times a second.
            if (bytes.Length > MaxBytes) bytes = bytes[..MaxBytes];
        }
        return bytes;
    }

    byte[] Generic(byte[] b)
    {
        if (b.Length == 0) return [(byte)random.Next(256)];
        switch (random.Next(8))
        {
            case 0:
                for (int i = 0, n = 1 + random.Next(8); i < n; i++) b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                return b;
            case 1:
                b[random.Next(b.Length)] = (byte)(random.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 });
                return b;
            case 2: return OverwriteInteger(b, random.Next(b.Length));
            case 3: return b[..random.Next(b.Length)];
            case 4:
            {
                int at = random.Next(b.Length + 1), length = 1 + random.Next(64);
                var inserted = new byte[length];
                random.NextBytes(inserted);
                return [.. b[..at], .. inserted, .. b[at..]];
            }
            case 5:
            {
                int at = random.Next(b.Length), length = Math.Min(b.Length - at, 1 + random.Next(256));
                return [.. b[..(at + length)], .. b[at..(at + length)], .. b[(at + length)..]];
            }
            case 6:
            {
                int at = random.Next(b.Length), length = Math.Min(b.Length - at, 1 + random.Next(256));
                return [.. b[..at], .. b[(at + length)..]];
            }
            default:
                return b.Length > 16 ? [.. b[..(b.Length / 2)], .. b] : b;
        }
    }

    byte[] OverwriteInteger(byte[] b, int at)
    {
        int width = random.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
        if (at + width > b.Length) return b;
        long value = EdgeValues[random.Next(EdgeValues.Length)];
        for (int i = 0; i < width; i++) b[at + i] = (byte)(value >> (8 * i));
        return b;
    }

    byte[] Structured(byte[] b, SeedKind kind) => kind switch
    {
        SeedKind.Wav => Wav(b),
        SeedKind.Ogg => Ogg(b),
        SeedKind.Json => Json(b),
        SeedKind.SafeTensors => SafeTensors(b),
        SeedKind.Msgpack => Msgpack(b),
        SeedKind.Pickle => Pickle(b),
        SeedKind.Zip => Zip(b),
        SeedKind.Text => Text(b),
        _ => Generic(b),
    };

    /// <summary>Chunk sizes and fmt fields (channels, rate, byte rate, block align, bits) set to edge values.</summary>
    byte[] Wav(byte[] b)
    {
        var fields = new List<int>();
        foreach (var id in new[] { "RIFF", "fmt ", "data", "ds64", "LIST" })
            for (int at = IndexOf(b, id, 0); at >= 0; at = IndexOf(b, id, at + 1)) fields.Add(at + 4);
        int fmt = IndexOf(b, "fmt ", 0);
        if (fmt >= 0) fields.AddRange([fmt + 8, fmt + 10, fmt + 12, fmt + 16, fmt + 20, fmt + 22]);
        if (fields.Count == 0) return Generic(b);
        int field = fields[random.Next(fields.Count)];
        if (field + 4 > b.Length) return b;
        long value = EdgeValues[random.Next(EdgeValues.Length)];
        int width = field >= fmt + 8 && field <= fmt + 22 && fmt >= 0 && field != fmt + 12 && field != fmt + 16 ? 2 : 4;
        for (int i = 0; i < width; i++) b[field + i] = (byte)(value >> (8 * i));
        return b;
    }

    /// <summary>A byte of a page header or packet edited, then every page's CRC recomputed so the edit reaches the codec.</summary>
    byte[] Ogg(byte[] b)
    {
        var pages = new List<int>();
        for (int at = IndexOf(b, "OggS", 0); at >= 0; at = IndexOf(b, "OggS", at + 1)) pages.Add(at);
        if (pages.Count == 0) return Generic(b);
        int page = pages[random.Next(pages.Count)];
        if (random.Next(2) == 0 && page + 27 <= b.Length)
        {
            int[] offsets = [5, 6, 14, 18, 26]; // header type, granule position, serial, page sequence, segment count
            int field = page + offsets[random.Next(offsets.Length)];
            b[field] = (byte)(random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => random.Next(256) });
        }
        else b = Generic(b);
        return OggCrc.Fix(b);
    }

    /// <summary>A number replaced by an edge value, a string by another, a member removed, or a nesting bomb.</summary>
    byte[] Json(byte[] b)
    {
        string text = Encoding.UTF8.GetString(b);
        switch (random.Next(5))
        {
            case 0:
            {
                var numbers = System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+(\.\d+)?([eE][-+]?\d+)?");
                if (numbers.Count == 0) return Generic(b);
                var m = numbers[random.Next(numbers.Count)];
                string[] edges = ["0", "-1", "1", "2147483647", "-2147483648", "9223372036854775807", "1e308", "-1e308", "0.5", "1e-320", "3.0", "99999999999999999999"];
                return Encoding.UTF8.GetBytes(text[..m.Index] + edges[random.Next(edges.Length)] + text[(m.Index + m.Length)..]);
            }
            case 1:
            {
                var strings = System.Text.RegularExpressions.Regex.Matches(text, "\"[^\"\\\\]*\"");
                if (strings.Count == 0) return Generic(b);
                var m = strings[random.Next(strings.Count)];
                string[] edges = ["\"\"", "\"gelu\"", "\"f8\"", "\"audiomae\"", "null", "[]", "{}", "true", "\"\\u0000\"", "\"" + new string('x', 1000) + "\""];
                return Encoding.UTF8.GetBytes(text[..m.Index] + edges[random.Next(edges.Length)] + text[(m.Index + m.Length)..]);
            }
            case 2:
            {
                var members = System.Text.RegularExpressions.Regex.Matches(text, "\"[^\"]+\"\\s*:\\s*[^,{}\\[\\]]+,");
                if (members.Count == 0) return Generic(b);
                var m = members[random.Next(members.Count)];
                return Encoding.UTF8.GetBytes(text[..m.Index] + text[(m.Index + m.Length)..]);
            }
            case 3:
            {
                int depth = random.Next(2) == 0 ? 100 : 100_000;
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            }
            default:
            {
                var m = System.Text.RegularExpressions.Regex.Matches(text, "\"[^\"]+\"\\s*:\\s*");
                if (m.Count == 0) return Generic(b);
                var member = m[random.Next(m.Count)];
                return Encoding.UTF8.GetBytes(text[..member.Index] + text[member.Index..(member.Index + member.Length)] + "1, " + text[member.Index..]);
            }
        }
    }

    /// <summary>The 8-byte header length, or the JSON header's numbers, strings and members.</summary>
    byte[] SafeTensors(byte[] b)
    {
        if (b.Length < 8) return Generic(b);
        long headerLength = BitConverter.ToInt64(b, 0);
        if (random.Next(4) == 0 || headerLength <= 0 || headerLength > b.Length - 8) return OverwriteInteger(b, 0);
        var header = Json(b[8..(8 + (int)headerLength)]);
        return [.. BitConverter.GetBytes((long)header.Length), .. header, .. b[(8 + (int)headerLength)..]];
    }

    /// <summary>Map, array and binary headers in the first kilobytes set to edge counts, or nesting bombs in front.</summary>
    byte[] Msgpack(byte[] b)
    {
        if (random.Next(5) == 0)
        {
            int depth = random.Next(2) == 0 ? 30_000 : 100_000;
            var bomb = new List<byte> { 0x81, 0xA1, (byte)'x' };
            for (int i = 0; i < depth; i++) { if (random.Next(2) == 0) bomb.Add(0x91); else bomb.AddRange([0x81, 0xA1, (byte)'a']); }
            bomb.Add(0xC0);
            return [.. bomb];
        }
        var headers = new List<int>();
        for (int i = 0; i < Math.Min(b.Length, 4096); i++)
            if (b[i] is 0xDC or 0xDD or 0xDE or 0xDF or 0xC4 or 0xC5 or 0xC6 or 0xC7 or 0xC8 or 0xC9 || (b[i] & 0xF0) is 0x80 or 0x90) headers.Add(i);
        if (headers.Count == 0) return Generic(b);
        int at = headers[random.Next(headers.Count)];
        if ((b[at] & 0xF0) is 0x80 or 0x90) { b[at] = (byte)((b[at] & 0xF0) | random.Next(16)); return b; }
        return OverwriteInteger(b, Math.Min(at + 1, b.Length - 1));
    }

    /// <summary>An opcode replaced, an integer argument set to an edge value, or a global or deep nesting spliced in.</summary>
    byte[] Pickle(byte[] b)
    {
        byte[] opcodes = [(byte)'c', 0x93, (byte)'R', (byte)'b', (byte)'Q', (byte)'(', (byte)'t', (byte)'e', (byte)'u', (byte)'s', (byte)'a', (byte)'h', (byte)'j', (byte)'q', (byte)'r', 0x94, (byte)'X', (byte)'J', (byte)'K', (byte)'M', 0x8a, 0x85, 0x86, 0x87, (byte)'.', 0x81, 0x82, (byte)'i', (byte)'o'];
        switch (random.Next(4))
        {
            case 0:
                if (b.Length > 2) b[2 + random.Next(b.Length - 2)] = opcodes[random.Next(opcodes.Length)];
                return b;
            case 1:
            {
                string[] globals = ["cos\nsystem\n", "cbuiltins\neval\n", "ctorch._utils\n_rebuild_tensor_v2\n", "ccollections\nOrderedDict\n", "ctorch\nFloatStorage\n", "c__builtin__\nset\n"];
                int at = 2 + random.Next(Math.Max(1, b.Length - 2));
                return [.. b[..Math.Min(at, b.Length)], .. Encoding.ASCII.GetBytes(globals[random.Next(globals.Length)]), .. b[Math.Min(at, b.Length)..]];
            }
            case 2:
            {
                int depth = 10_000 + random.Next(90_000);
                return [0x80, 0x02, .. Enumerable.Repeat((byte)']', depth), .. Enumerable.Repeat((byte)'a', depth - 1), (byte)'.'];
            }
            default:
                return OverwriteInteger(b, random.Next(Math.Max(1, b.Length)));
        }
    }

    /// <summary>Fields of local headers, central directory entries and the end records set to edge values.</summary>
    byte[] Zip(byte[] b)
    {
        var records = new List<int>();
        foreach (var signature in new byte[][] { [0x50, 0x4B, 3, 4], [0x50, 0x4B, 1, 2], [0x50, 0x4B, 5, 6], [0x50, 0x4B, 6, 6], [0x50, 0x4B, 6, 7] })
            for (int at = b.AsSpan().IndexOf(signature); at >= 0 && at < b.Length;)
            {
                records.Add(at);
                int next = b.AsSpan(at + 1).IndexOf(signature);
                at = next < 0 ? -1 : at + 1 + next;
            }
        if (records.Count == 0) return Generic(b);
        int record = records[random.Next(records.Count)];
        return OverwriteInteger(b, Math.Min(b.Length - 1, record + 4 + 2 * random.Next(20)));
    }

    /// <summary>Text: a line repeated, a huge token, control characters, or byte-level damage.</summary>
    byte[] Text(byte[] b)
    {
        string text = Encoding.UTF8.GetString(b);
        return random.Next(5) switch
        {
            0 => Encoding.UTF8.GetBytes(text + new string('a', 100_000 + random.Next(900_000))),
            1 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(text, 1 + random.Next(Math.Max(1, 500_000 / Math.Max(1, text.Length)))))),
            2 => Encoding.UTF8.GetBytes(text.Insert(random.Next(text.Length + 1), random.Next(2) == 0 ? "<mask>" : "\u0000\uFFFF\U0001F600")),
            3 => Encoding.UTF8.GetBytes(new string(Enumerable.Range(0, 1000 + random.Next(50_000)).Select(_ => (char)random.Next(0x20, 0xD7FF)).ToArray())),
            _ => Generic(b),
        };
    }

    /// <summary>Every Ogg page's checksum recomputed (what the Ogg mutations do after an edit).</summary>
    public static byte[] FixOggChecksums(byte[] b) => OggCrc.Fix(b);

    static int IndexOf(byte[] b, string ascii, int from)
    {
        if (from >= b.Length) return -1;
        int at = b.AsSpan(from).IndexOf(Encoding.ASCII.GetBytes(ascii));
        return at < 0 ? -1 : from + at;
    }
}

/// <summary>What a seed's bytes are, for the structured edits.</summary>
public enum SeedKind { Wav, Ogg, Mp3, Json, SafeTensors, Msgpack, Pickle, Zip, Text }

/// <summary>Ogg's page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, over the page with its CRC field zeroed).</summary>
static class OggCrc
{
    static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        uint r = (uint)i << 24;
        for (int k = 0; k < 8; k++) r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
        return r;
    }).ToArray();

    public static byte[] Fix(byte[] b)
    {
        for (int page = b.AsSpan().IndexOf("OggS"u8); page >= 0 && page + 27 <= b.Length;)
        {
            int segments = b[page + 26], length = 27 + segments;
            if (page + length > b.Length) break;
            for (int s = 0; s < segments; s++) length += b[page + 27 + s];
            length = Math.Min(length, b.Length - page);
            b.AsSpan(page + 22, 4).Clear();
            uint crc = 0;
            foreach (byte x in b.AsSpan(page, length)) crc = (crc << 8) ^ Table[((crc >> 24) ^ x) & 0xFF];
            BitConverter.TryWriteBytes(b.AsSpan(page + 22, 4), crc);
            int next = b.AsSpan(page + 1).IndexOf("OggS"u8);
            page = next < 0 ? -1 : page + 1 + next;
        }
        return b;
    }
}
