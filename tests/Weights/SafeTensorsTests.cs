using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.SafeTensors;

namespace Cacophony.Tests.Weights;

public class SafeTensorsTests
{
    static SafeTensorsEntry Entry(string name, DType dtype, int[] shape, float[] values) =>
        new(name, dtype, shape, bytes => ElementConversion.FromFloat32(values, dtype, bytes));

    [Test]
    public void WritesTheDocumentedLayoutAndReadsItBack()
    {
        using var temp = new TempDirectory();
        float[] a = [1, -2, 3.5f, 1e-3f, 0, 7], b = [0.5f, -0.25f, 3];
        using (var stream = File.Create(temp.File("t.safetensors")))
            SafeTensorsWriter.Write(stream, [Entry("b.half", DType.Float16, [3], b), Entry("a.matrix", DType.Float32, [2, 3], a), Entry("c.scalar", DType.Float32, [], [42])],
                new Dictionary<string, string> { ["format"] = "test" });

        var bytes = File.ReadAllBytes(temp.File("t.safetensors"));
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.That((8 + headerLength) % 8, Is.Zero, "data starts 8-byte aligned");
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.That(header, Does.Contain("\"a.matrix\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"));
        Assert.That(header, Does.Contain("\"b.half\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[28,34]}"));
        Assert.That(bytes.Length, Is.EqualTo(8 + headerLength + 34));

        using var file = SafeTensorsFile.Open(temp.File("t.safetensors"));
        Assert.That(file.Metadata["format"], Is.EqualTo("test"));
        Assert.That(file.Float32("a.matrix").ToArray(), Is.EqualTo(a));
        Assert.That(file.Tensors["b.half"].ReadAllFloat32(), Is.EqualTo(b));
        Assert.That(file.Tensors["c.scalar"].Shape, Is.Empty);
        Assert.That(file.Float32("c.scalar")[0], Is.EqualTo(42));
    }

    [Test]
    public void TruncatedFileNamesTheTensorThatRunsPastTheEnd()
    {
        using var temp = new TempDirectory();
        using (var stream = File.Create(temp.File("t.safetensors")))
            SafeTensorsWriter.Write(stream, [Entry("first", DType.Float32, [4], [1, 2, 3, 4]), Entry("second", DType.Float32, [4], [5, 6, 7, 8])]);
        var bytes = File.ReadAllBytes(temp.File("t.safetensors"));
        File.WriteAllBytes(temp.File("cut.safetensors"), bytes[..^4]);
        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(temp.File("cut.safetensors")))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.Contain("cut.safetensors").And.Contain("'second'").And.Contain("outside"));
        File.WriteAllBytes(temp.File("junk.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        Assert.That(Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(temp.File("junk.safetensors")))!.Message, Does.Contain("not a safetensors file"));
    }

    /// <summary>A file with the given JSON header and data bytes (header padded with spaces to 8 bytes, as writers do).</summary>
    static string Handmade(TempDirectory temp, string name, string header, int dataBytes)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + dataBytes];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (long)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        File.WriteAllBytes(temp.File(name), bytes);
        return temp.File(name);
    }

    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap tensor 'a'")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20, "leaving bytes [8, 12) that no tensor owns")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "leaving bytes [0, 4)")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "4 bytes of data after the last tensor")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "'a': is named twice")]
    [TestCase("{\"__metadata__\":{\"format\":3},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "__metadata__ 'format' is a number")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,8]}}", 8, "too many elements")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "negative dimension")]
    public void WhatTheFormatForbidsIsRefusedByName(string header, int dataBytes, string problem)
    {
        using var temp = new TempDirectory();
        string path = Handmade(temp, "bad.safetensors", header, dataBytes);
        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.StartWith(path).And.Contain(problem));
    }

    [Test]
    public void AHandmadeFileThatFollowsTheRulesIsRead()
    {
        using var temp = new TempDirectory();
        string path = Handmade(temp, "good.safetensors", "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[12,12]}}", 12);
        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Tensors.Keys, Is.EquivalentTo(new[] { "a", "b", "e" }));
    }
}
