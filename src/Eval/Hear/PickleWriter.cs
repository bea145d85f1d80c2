using System.Text;

namespace Cacophony.Eval.Hear;

/// <summary>
/// A minimal pickle (protocol 2) of a list of lists of strings: what hear-eval-kit stores as
/// `&lt;split&gt;.target-labels.pkl` (the labels of each embedding row). Opcodes: PROTO 2, EMPTY_LIST, MARK,
/// BINUNICODE (length-prefixed UTF-8), APPENDS, STOP; nothing is memoized.
/// </summary>
public static class PickleWriter
{
    public static void WriteListOfStringLists(Stream output, IEnumerable<IReadOnlyList<string>> rows)
    {
        var w = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        w.Write((byte)0x80); w.Write((byte)2);   // PROTO 2
        w.Write((byte)']');                      // EMPTY_LIST
        foreach (var chunk in rows.Chunk(1000))  // APPENDS in batches, as pickle itself does
        {
            w.Write((byte)'(');                  // MARK
            foreach (var row in chunk)
            {
                w.Write((byte)']');
                if (row.Count > 0)
                {
                    w.Write((byte)'(');
                    foreach (var s in row)
                    {
                        var bytes = Encoding.UTF8.GetBytes(s);
                        w.Write((byte)'X');      // BINUNICODE
                        w.Write((uint)bytes.Length);
                        w.Write(bytes);
                    }
                    w.Write((byte)'e');          // APPENDS
                }
            }
            w.Write((byte)'e');
        }
        w.Write((byte)'.');                      // STOP
        w.Flush();
    }
}
