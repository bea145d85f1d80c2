using Cacophony.Tests.Support;
using Cacophony.Weights;
using Cacophony.Weights.Flax;

namespace Cacophony.Tests.Weights;

/// <summary>Msgpack trees built to break a recursive reader: each is refused in one CheckpointException naming the file.</summary>
public class HostileMsgpackTests
{
    static string Refusal(byte[] bytes)
    {
        using var temp = new TempDirectory();
        string path = temp.File("hostile.ckpt");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => FlaxCheckpoint.Open(path).Dispose())!;
        TestContext.Out.WriteLine(error.Message[..Math.Min(300, error.Message.Length)]);
        Assert.That(error.Message, Does.StartWith(path));
        return error.Message;
    }

    [Test]
    public void MapsThirtyThousandDeepAreRefusedNotAStackOverflow()
    {
        // {"a": {"a": ... {"a": nil}}}, 30,000 levels.
        var bytes = Enumerable.Repeat(new byte[] { 0x81, 0xA1, (byte)'a' }, 30_000).SelectMany(b => b).Append((byte)0xC0).ToArray();
        Assert.That(Refusal(bytes), Does.Contain($"deeper than {64} levels"));
    }

    [Test]
    public void ArraysAHundredThousandDeepInAHundredKilobytesAreRefused()
    {
        var bytes = new byte[] { 0x81, 0xA1, (byte)'x' }.Concat(Enumerable.Repeat((byte)0x91, 100_000)).Append((byte)0xC0).ToArray();
        Assert.That(Refusal(bytes), Does.Contain("deeper than 64 levels"));
    }

    [Test]
    public void AHeaderClaimingMoreEntriesThanBytesIsRefusedBeforeAllocating()
    {
        // A map32 header claiming 2,000,000,000 entries with 3 bytes left.
        var bytes = new byte[] { 0x81, 0xA1, (byte)'m', 0xDF, 0x77, 0x35, 0x94, 0x00, 0xA1, (byte)'k', 0xC0 };
        Assert.That(Refusal(bytes), Does.Contain("'m': truncated or corrupt msgpack"));
    }

    [Test]
    public void ADuplicateKeyIsRefused()
    {
        var bytes = new byte[] { 0x82, 0xA1, (byte)'a', 0x01, 0xA1, (byte)'a', 0x02 };
        Assert.That(Refusal(bytes), Does.Contain("'a': is named twice"));
    }
}
