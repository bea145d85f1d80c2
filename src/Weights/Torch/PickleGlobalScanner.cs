using System.Text;

namespace Cacophony.Weights.Torch;

/// <summary>
/// Walks a pickle's opcodes without executing anything and reports every global it would import
/// (GLOBAL, INST, STACK_GLOBAL) so that a checkpoint naming anything outside the allow-list is
/// rejected before unpickling. Also catches truncation: a pickle must end with STOP.
/// </summary>
static class PickleGlobalScanner
{
    public static IEnumerable<string> Globals(byte[] pickle)
    {
        var found = new List<string>();
        var memo = new Dictionary<long, string?>();
        string? last = null, beforeLast = null;
        int pos = 0;

        void Pushed(string? value)
        {
            beforeLast = last;
            last = value;
        }

        while (true)
        {
            if (pos >= pickle.Length) throw new FormatException("pickle ends before its STOP opcode");
            byte op = pickle[pos++];
            switch (op)
            {
                case (byte)'.': // STOP
                    return found;
                case (byte)'c': // GLOBAL module\nname\n
                case (byte)'i': // INST module\nname\n
                    string module = Line(pickle, ref pos), name = Line(pickle, ref pos);
                    found.Add(module + "." + name);
                    Pushed(null);
                    break;
                case 0x93: // STACK_GLOBAL: module and name are the two strings on top of the stack
                    found.Add($"{beforeLast ?? "?"}.{last ?? "?"}");
                    Pushed(null);
                    break;
                case 0x82: case 0x83: case 0x84: // EXT1/2/4: the copyreg extension registry
                    found.Add("copyreg extension code");
                    pos += op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
                    break;
                case (byte)'X': Pushed(Text(pickle, ref pos, Length(pickle, ref pos, 4))); break; // BINUNICODE
                case 0x8c: Pushed(Text(pickle, ref pos, Length(pickle, ref pos, 1))); break; // SHORT_BINUNICODE
                case 0x8d: Pushed(Text(pickle, ref pos, Length(pickle, ref pos, 8))); break; // BINUNICODE8
                case (byte)'T': Pushed(Text(pickle, ref pos, Length(pickle, ref pos, 4))); break; // BINSTRING
                case (byte)'U': Pushed(Text(pickle, ref pos, Length(pickle, ref pos, 1))); break; // SHORT_BINSTRING
                case (byte)'V': case (byte)'S': Pushed(Line(pickle, ref pos)); break; // UNICODE, STRING
                case (byte)'B': pos = Skip(pickle, pos, Length(pickle, ref pos, 4)); Pushed(null); break; // BINBYTES
                case (byte)'C': pos = Skip(pickle, pos, Length(pickle, ref pos, 1)); Pushed(null); break; // SHORT_BINBYTES
                case 0x8e: case 0x96: pos = Skip(pickle, pos, Length(pickle, ref pos, 8)); Pushed(null); break; // BINBYTES8, BYTEARRAY8
                case 0x8a: pos = Skip(pickle, pos, Length(pickle, ref pos, 1)); Pushed(null); break; // LONG1
                case 0x8b: pos = Skip(pickle, pos, Length(pickle, ref pos, 4)); Pushed(null); break; // LONG4
                case 0x94: memo[memo.Count] = last; break; // MEMOIZE
                case (byte)'q': memo[Length(pickle, ref pos, 1)] = last; break; // BINPUT
                case (byte)'r': memo[Length(pickle, ref pos, 4)] = last; break; // LONG_BINPUT
                case (byte)'p': memo[long.Parse(Line(pickle, ref pos))] = last; break; // PUT
                case (byte)'h': Pushed(memo.GetValueOrDefault(Length(pickle, ref pos, 1))); break; // BINGET
                case (byte)'j': Pushed(memo.GetValueOrDefault(Length(pickle, ref pos, 4))); break; // LONG_BINGET
                case (byte)'g': Pushed(memo.GetValueOrDefault(long.Parse(Line(pickle, ref pos)))); break; // GET
                case (byte)'F': case (byte)'I': case (byte)'L': case (byte)'P': Line(pickle, ref pos); Pushed(null); break;
                case (byte)'K': case 0x80: pos = Skip(pickle, pos, 1); Pushed(null); break; // BININT1, PROTO
                case (byte)'M': pos = Skip(pickle, pos, 2); Pushed(null); break; // BININT2
                case (byte)'J': pos = Skip(pickle, pos, 4); Pushed(null); break; // BININT
                case (byte)'G': case 0x95: pos = Skip(pickle, pos, 8); break; // BINFLOAT, FRAME
                case (byte)'(': case (byte)'0': case (byte)'1': case (byte)'2': case (byte)'N': case (byte)'Q':
                case (byte)'R': case (byte)'a': case (byte)'b': case (byte)'d': case (byte)'}': case (byte)'e':
                case (byte)'l': case (byte)']': case (byte)'o': case (byte)'s': case (byte)'t': case (byte)')':
                case (byte)'u': case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8f:
                case 0x90: case 0x91: case 0x92: case 0x97: case 0x98:
                    Pushed(null);
                    break;
                default:
                    throw new FormatException($"unknown pickle opcode 0x{op:x2} at byte {pos - 1}");
            }
        }
    }

    static long Length(byte[] p, ref int pos, int width)
    {
        if (pos + width > p.Length) throw new FormatException("pickle truncated inside an opcode");
        long value = 0;
        for (int i = width - 1; i >= 0; i--) value = (value << 8) | p[pos + i];
        pos += width;
        if (value < 0 || value > int.MaxValue) throw new FormatException("pickle length out of range");
        return value;
    }

    static int Skip(byte[] p, int pos, long count)
    {
        if (pos + count > p.Length) throw new FormatException("pickle truncated inside an opcode");
        return pos + (int)count;
    }

    static string Text(byte[] p, ref int pos, long count)
    {
        int start = pos;
        pos = Skip(p, pos, count);
        return Encoding.UTF8.GetString(p, start, (int)count);
    }

    static string Line(byte[] p, ref int pos)
    {
        int end = Array.IndexOf(p, (byte)'\n', pos);
        if (end < 0) throw new FormatException("pickle truncated inside a text opcode");
        string text = Encoding.UTF8.GetString(p, pos, end - pos);
        pos = end + 1;
        return text;
    }
}
