using System.Buffers.Binary;
using Cacophony.Search;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>
/// The .cidx file as bytes: what is written is read back (metadata exactly, float32 vectors bit for bit, int8 ones
/// within their quantization error), later records replace earlier entries, and a record cut short or damaged at
/// the end of the file (a crash while writing it) is ignored while every whole record before it stays readable.
/// </summary>
public class IndexFileTests
{
    TempDirectory _temp = null!;

    [SetUp]
    public void Create() => _temp = new TempDirectory();

    [TearDown]
    public void Remove() => _temp.Dispose();

    [TestCase(VectorStorage.Float32, 48)]
    [TestCase(VectorStorage.Int8, 48)]
    [TestCase(VectorStorage.Float32, 37)]
    [TestCase(VectorStorage.Int8, 37)]
    public void RecordsReadBackAsWrittenAndLaterEntriesReplaceEarlierOnes(VectorStorage storage, int dimension)
    {
        string path = _temp.File("lib.cidx");
        var header = SyntheticIndex.Header(dimension, storage, _temp.Path);
        var random = new Random(5);
        float[][][] first, second;
        using (var stream = SyntheticIndex.Create(path, header))
        {
            first = SyntheticIndex.Append(stream, header, [SyntheticIndex.File("a.wav", 1), SyntheticIndex.File("b/long.flac", 4), SyntheticIndex.File("é ü 狗.wav", 1)], random);
            second = SyntheticIndex.Append(stream, header, [SyntheticIndex.File("a.wav", 2, seed: 9)], random);
            RecordWriter.WriteRemovals(stream, ["0:é ü 狗.wav"]);
        }
        using var index = AudioIndex.Open(path);
        Assert.That(index.Records, Is.EqualTo(3));
        Assert.That(index.TornBytes, Is.Zero);
        Assert.That(index.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "a.wav", "b/long.flac" }));
        var a = index.Files[0];
        Assert.That(a.Windows, Has.Count.EqualTo(2), "the second record's a.wav replaced the first's");
        Assert.That(a.ContentHash, Is.EqualTo(SyntheticIndex.File("a.wav", 2, seed: 9).ContentHash));
        Assert.That(a.FullPath, Is.EqualTo(Path.Combine(_temp.Path, "a.wav")));
        var expectedLong = SyntheticIndex.File("b/long.flac", 4);
        var b = index.Files[1];
        Assert.That((b.Size, b.ModifiedTicks, b.Duration), Is.EqualTo((expectedLong.Size, expectedLong.ModifiedTicks, expectedLong.Duration)));
        Assert.That(b.Windows, Is.EqualTo(expectedLong.Windows));
        Assert.That(index.Windows, Is.EqualTo(6));
        for (int w = 0; w < 4; w++) ExpectVector(index.Vector(b, w), first[1][w], storage);
        for (int w = 0; w < 2; w++) ExpectVector(index.Vector(a, w), second[0][w], storage);
    }

    static void ExpectVector(float[] actual, float[] written, VectorStorage storage)
    {
        if (storage == VectorStorage.Float32)
        {
            Assert.That(actual, Is.EqualTo(written), "float32 vectors bit for bit");
            return;
        }
        double dot = 0, na = 0, nw = 0, maxError = 0, max = written.Max(Math.Abs);
        for (int i = 0; i < written.Length; i++)
        {
            dot += (double)actual[i] * written[i];
            na += (double)actual[i] * actual[i];
            nw += (double)written[i] * written[i];
            maxError = Math.Max(maxError, Math.Abs(actual[i] - written[i]));
        }
        Assert.That(maxError, Is.LessThanOrEqualTo(max / 127 / 2 * 1.0001), "int8: within half a step of max|v|/127");
        Assert.That(dot / Math.Sqrt(na * nw), Is.GreaterThan(0.9995));
    }

    [Test]
    public void ARecordCutShortAnywhereIsIgnoredAndTheRecordsBeforeItStay()
    {
        string path = _temp.File("lib.cidx");
        var header = SyntheticIndex.Header(32, VectorStorage.Float32, _temp.Path);
        long afterTwo, afterThree;
        using (var stream = SyntheticIndex.Create(path, header))
        {
            var random = new Random(1);
            SyntheticIndex.Append(stream, header, [SyntheticIndex.File("one.wav", 1)], random);
            SyntheticIndex.Append(stream, header, [SyntheticIndex.File("two.wav", 3)], random);
            afterTwo = stream.Position;
            SyntheticIndex.Append(stream, header, [SyntheticIndex.File("three.wav", 2), SyntheticIndex.File("one.wav", 1, seed: 4)], random);
            afterThree = stream.Position;
        }
        var whole = File.ReadAllBytes(path);
        string cut = _temp.File("cut.cidx");
        for (long length = afterTwo; length < afterThree; length += length < afterTwo + 64 ? 1 : 17)
        {
            File.WriteAllBytes(cut, whole[..(int)length]);
            using var index = AudioIndex.Open(cut);
            Assert.That(index.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "one.wav", "two.wav" }), $"cut at {length}");
            Assert.That(index.Files[0].ContentHash, Is.EqualTo(SyntheticIndex.File("one.wav", 1).ContentHash), "the torn record's one.wav does not replace the whole one");
            Assert.That(index.TornBytes, Is.EqualTo(length - afterTwo));
        }
        // A crash after the header but before the payload's digest: the length is whole, the digest still zero.
        var unsealed = (byte[])whole.Clone();
        Array.Clear(unsealed, (int)afterTwo + 24, 8);
        File.WriteAllBytes(cut, unsealed);
        using (var index = AudioIndex.Open(cut)) Assert.That(index.Files, Has.Count.EqualTo(2));
        // A damaged vector (the disk, not a crash) is found by Verify, which names the record.
        var damaged = (byte[])whole.Clone();
        damaged[afterThree - 70] ^= 0x40;
        File.WriteAllBytes(cut, damaged);
        using (var index = AudioIndex.Open(cut))
        {
            Assert.That(index.Files, Has.Count.EqualTo(3));
            Assert.That(Assert.Throws<IndexFormatException>(index.Verify)!.Message, Is.EqualTo($"{cut}: is damaged: the record at byte {afterTwo} does not match its digest (rebuild the index, or restore it from a copy)"));
        }
        using (var index = AudioIndex.Open(path)) Assert.DoesNotThrow(index.Verify);
        using (var index = AudioIndex.Open(path)) Assert.That(index.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "one.wav", "three.wav", "two.wav" }));
    }

    [Test]
    public void FilesThatAreNotIndexesOrOfAnotherVersionAreRefusedByName()
    {
        string path = _temp.File("lib.cidx");
        var header = SyntheticIndex.Header(16, VectorStorage.Float32, _temp.Path);
        using (SyntheticIndex.Create(path, header)) { }
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);
        var newer = Assert.Throws<IndexFormatException>(() => AudioIndex.Open(path))!;
        Assert.That(newer.Message, Does.StartWith(path).And.Contain("format version 2").And.Contain("update cacophony"));

        File.WriteAllText(path, "RIFF....WAVEfmt this is not an index at all");
        Assert.That(Assert.Throws<IndexFormatException>(() => AudioIndex.Open(path))!.Message, Is.EqualTo($"{path}: is not a Cacophony index (its first bytes are not \"CACOIDX\")"));
        File.WriteAllBytes(path, []);
        Assert.That(Assert.Throws<IndexFormatException>(() => AudioIndex.Open(path))!.Message, Does.Contain("is empty"));
        Assert.That(Assert.Throws<IndexFormatException>(() => AudioIndex.Open(_temp.File("missing.cidx")))!.Message, Does.Contain("index file not found"));

        using (SyntheticIndex.Create(path, header)) { }
        bytes = File.ReadAllBytes(path);
        bytes[IndexLayout.HeaderPrefix + 3] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.That(Assert.Throws<IndexFormatException>(() => AudioIndex.Open(path))!.Message, Does.Contain("damaged header"));
    }

    [Test]
    public void RecordsStartAndVectorsLieOnSixtyFourByteBoundaries()
    {
        string path = _temp.File("lib.cidx");
        var header = SyntheticIndex.Header(24, VectorStorage.Int8, _temp.Path);
        using (var stream = SyntheticIndex.Create(path, header))
        {
            var random = new Random(2);
            for (int r = 0; r < 3; r++)
            {
                Assert.That(stream.Position % 64, Is.Zero, $"record {r} starts aligned");
                SyntheticIndex.Append(stream, header, [SyntheticIndex.File($"f{r}.wav", r + 1)], random);
            }
            Assert.That(stream.Length % 64, Is.Zero);
        }
        using var file = IndexFile.Open(path);
        unsafe
        {
            foreach (var segment in file.Segments)
                Assert.That((long)segment.Vectors % 64, Is.Zero, "vector blocks are aligned in the map");
        }
    }
}
