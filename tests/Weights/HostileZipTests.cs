using System.IO.Compression;
using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Torch;

namespace Cacophony.Tests.Weights;

/// <summary>PyTorch zips that readers could read differently: refused in one message naming the file.</summary>
public class HostileZipTests
{
    [Test]
    public void AnEntryNamedTwiceIsRefused()
    {
        using var temp = new TempDirectory();
        string path = temp.File("twice.pt");
        using (var source = ZipFile.OpenRead(TestData.TorchCheckpoint))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var to = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
            var pickle = source.Entries.First(e => e.FullName.EndsWith("/data.pkl"));
            using var again = target.CreateEntry(pickle.FullName, CompressionLevel.NoCompression).Open();
            again.Write([0x80, 0x02, (byte)'}', (byte)'.']);
        }
        var error = Assert.Throws<CheckpointException>(() => TorchCheckpoint.Open(path).Dispose())!;
        Assert.That(error.Message, Does.StartWith(path).And.Contain("data.pkl' 2 times"));
    }

    [Test]
    public void ACorruptCentralDirectoryIsOneMessage()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(TestData.TorchCheckpoint);
        // The end-of-central-directory record's entry counts, made inconsistent (this disk's count past the total).
        int eocd = bytes.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        Assert.That(eocd, Is.GreaterThan(0));
        BitConverter.TryWriteBytes(bytes.AsSpan(eocd + 8, 2), (ushort)0xFFF0);
        string path = temp.File("eocd.pt");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => TorchCheckpoint.Open(path).Dispose())!;
        Assert.That(error.Message, Does.StartWith(path));
    }
}
