using System.Runtime.InteropServices;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Flax;
using MessagePack;
using static Cacophony.Tests.Support.MsgpackTreeWriter;

namespace Cacophony.Tests.Weights;

/// <summary>The parts of flax.serialization's format that the golden checkpoints do not show.</summary>
public class FlaxMsgpackTests
{
    static byte[] Bytes<T>(params T[] values) where T : struct => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>{"__msgpack_chunked_array__": true, "shape": {"0": rows, "1": cols}, "chunks": {"0": flat, "1": flat, ...}}</summary>
    static Raw Chunked(int rows, int cols, params float[][] chunks) => new((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(3);
        w.Write("__msgpack_chunked_array__");
        w.Write(true);
        w.Write("shape");
        w.WriteMapHeader(2);
        w.Write("0"); w.Write(rows);
        w.Write("1"); w.Write(cols);
        w.Write("chunks");
        w.WriteMapHeader(chunks.Length);
        for (int i = 0; i < chunks.Length; i++)
        {
            w.Write(i.ToString());
            WriteNdArray(ref w, new MsgpackTreeWriter.Array("float32", [chunks[i].Length], Bytes(chunks[i])));
        }
    });

    [Test]
    public void ReadsChunkedArraysDtypesScalarsAndTheParamsNesting()
    {
        float[] values = Enumerable.Range(0, 15).Select(i => i * 0.5f - 3).ToArray();
        var leaves = new Dictionary<string, object>
        {
            ["0/params/chunked"] = Chunked(3, 5, values[..8], values[8..]),
            ["0/params/half"] = new MsgpackTreeWriter.Array("float16", [2], Bytes((Half)1.5f, (Half)(-2.25f))),
            ["0/params/brain"] = new MsgpackTreeWriter.Array("bfloat16", [2], Bytes<ushort>(0x3FC0, 0xC010)), // 1.5, -2.25
            ["0/params/double"] = new MsgpackTreeWriter.Array("float64", [1, 2], Bytes(0.1, -7.0)),
            ["0/params/tuple/0"] = new MsgpackTreeWriter.Array("int32", [], Bytes(42)),
            ["0/params/scalar"] = new Raw((ref MessagePackWriter w) => WriteNdArray(ref w, new MsgpackTreeWriter.Array("float32", [], Bytes(2.5f)), extType: 3)),
            ["0/step"] = new MsgpackTreeWriter.Array("int64", [], Bytes(7L)),
        };
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("t.ckpt"), Serialize(leaves));
        using var checkpoint = FlaxCheckpoint.Open(temp.File("t.ckpt"));
        var t = checkpoint.Tensors;
        Assert.That(t.Keys, Is.EquivalentTo(new[] { "chunked", "half", "brain", "double", "tuple/0", "scalar" }), "names are relative to ['0']['params']; step is not a parameter");
        Assert.That(t["chunked"].Shape, Is.EqualTo(new[] { 3, 5 }));
        Assert.That(t["chunked"].ReadAllFloat32(), Is.EqualTo(values));
        var window = new float[4];
        t["chunked"].ReadFloat32(6, window);
        Assert.That(window, Is.EqualTo(values[6..10]), "a read across the chunk boundary");
        Assert.That(t["half"].ReadAllFloat32(), Is.EqualTo(new[] { 1.5f, -2.25f }));
        Assert.That(t["brain"].ReadAllFloat32(), Is.EqualTo(new[] { 1.5f, -2.25f }));
        Assert.That(t["double"].ReadAllFloat32(), Is.EqualTo(new[] { 0.1f, -7.0f }));
        Assert.That(t["tuple/0"].ReadAllFloat32(), Is.EqualTo(new[] { 42f }));
        Assert.That(t["scalar"].Shape, Is.Empty);
        Assert.That(t["scalar"].ReadAllFloat32(), Is.EqualTo(new[] { 2.5f }));
    }

    /// <summary>
    /// A checkpoint over 2 GB, laid out as Flax writes one: two 1.1 GB float32 arrays (sparse holes on
    /// disk, never read) and then a chunked array, so every offset of that array lies past 2^31.
    /// </summary>
    [Test]
    public void ReadsArraysBeyondTheTwoGigabyteOffset()
    {
        const int padElements = 290_000_000;
        float[] values = Enumerable.Range(0, 12).Select(i => MathF.Sqrt(i) - 1).ToArray();
        using var temp = new TempDirectory();
        string path = temp.File("big.ckpt");
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            // {"0": {"params": {"pad_a": <ndarray>, "pad_b": <ndarray>, "w": <chunked 4x3>}}}
            var head = new System.Buffers.ArrayBufferWriter<byte>();
            var w = new MessagePackWriter(head);
            w.WriteMapHeader(1); w.Write("0");
            w.WriteMapHeader(1); w.Write("params");
            w.WriteMapHeader(3);
            w.Flush();
            file.Write(head.WrittenSpan);
            foreach (var name in new[] { "pad_a", "pad_b" })
            {
                file.Write(Packed((ref MessagePackWriter p) => p.Write(name)));
                WriteSparseFloat32Array(file, padElements);
            }
            file.Write(Packed((ref MessagePackWriter p) =>
            {
                p.Write("w");
                Chunked(4, 3, values[..5], values[5..]).Write(ref p);
            }));
        }
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(2L * padElements * 4));
        using var checkpoint = FlaxCheckpoint.Open(path);
        Assert.That(checkpoint.Tensors.Keys, Is.EquivalentTo(new[] { "pad_a", "pad_b", "w" }));
        Assert.That(checkpoint.Tensors["pad_b"].Shape, Is.EqualTo(new[] { padElements }));
        Assert.That(checkpoint.Tensors["w"].Shape, Is.EqualTo(new[] { 4, 3 }));
        Assert.That(checkpoint.Tensors["w"].ReadAllFloat32(), Is.EqualTo(values));
        var tail = new float[3];
        checkpoint.Tensors["pad_b"].ReadFloat32(padElements - 3, tail);
        Assert.That(tail, Is.EqualTo(new float[3]), "the hole reads as zeros");
    }

    static byte[] Packed(WriteLeaf write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>ext32 type 1 holding [[n], "float32", bin32 of n*4 bytes]; the data bytes are skipped over, leaving a hole.</summary>
    static void WriteSparseFloat32Array(FileStream file, int elements)
    {
        long dataBytes = 4L * elements;
        byte[] header = Packed((ref MessagePackWriter p) =>
        {
            p.WriteArrayHeader(3);
            p.WriteArrayHeader(1);
            p.Write((uint)elements);
            p.Write("float32");
        });
        var ext = new byte[6];
        ext[0] = 0xc9;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(ext.AsSpan(1), (uint)(header.Length + 5 + dataBytes));
        ext[5] = 1;
        var bin = new byte[5];
        bin[0] = 0xc6;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bin.AsSpan(1), (uint)dataBytes);
        file.Write(ext);
        file.Write(header);
        file.Write(bin);
        file.Seek(dataBytes, SeekOrigin.Current);
    }
}
