using System.Text;

namespace Cacophony.Tests.Support;

/// <summary>Builds WAV files byte by byte for tests, independently of the reader under test.</summary>
public sealed class WavBuilder
{
    readonly List<(string Id, byte[] Body)> _chunks = [];
    bool _rf64;

    public static byte[] Fmt(int tag, int channels, int rate, int bits, bool extensible = false, int subTag = 1)
    {
        var body = new MemoryStream();
        var w = new BinaryWriter(body);
        w.Write((ushort)(extensible ? 0xFFFE : tag));
        w.Write((ushort)channels);
        w.Write(rate);
        w.Write(rate * channels * bits / 8);
        w.Write((ushort)(channels * bits / 8));
        w.Write((ushort)bits);
        if (extensible)
        {
            w.Write((ushort)22);
            w.Write((ushort)bits);
            w.Write(channels == 1 ? 4 : 3);
            w.Write((ushort)subTag);
            w.Write(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 });
        }
        return body.ToArray();
    }

    public WavBuilder Chunk(string id, byte[] body)
    {
        _chunks.Add((id, body));
        return this;
    }

    /// <summary>Write as RF64: size fields 0xFFFFFFFF, the real sizes in a ds64 chunk.</summary>
    public WavBuilder AsRf64()
    {
        _rf64 = true;
        return this;
    }

    public byte[] Build(long? declaredDataSize = null)
    {
        var file = new MemoryStream();
        var w = new BinaryWriter(file);
        w.Write(Encoding.ASCII.GetBytes(_rf64 ? "RF64" : "RIFF"));
        w.Write(0u);
        w.Write(Encoding.ASCII.GetBytes("WAVE"));
        var data = _chunks.First(c => c.Id == "data").Body;
        if (_rf64)
        {
            w.Write(Encoding.ASCII.GetBytes("ds64"));
            w.Write(28);
            w.Write(0L);
            w.Write(declaredDataSize ?? data.Length);
            w.Write(0L);
            w.Write(0);
        }
        foreach (var (id, body) in _chunks)
        {
            w.Write(Encoding.ASCII.GetBytes(id));
            w.Write(_rf64 && id == "data" ? 0xFFFFFFFFu : (uint)(id == "data" ? declaredDataSize ?? body.Length : body.Length));
            w.Write(body);
            if (body.Length % 2 == 1) w.Write((byte)0);
        }
        var bytes = file.ToArray();
        BitConverter.GetBytes(_rf64 ? 0xFFFFFFFFu : (uint)(bytes.Length - 8)).CopyTo(bytes, 4);
        return bytes;
    }
}
