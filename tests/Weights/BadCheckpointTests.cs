using System.IO.Compression;
using System.Text;
using Cacophony.Tests.Support;
using Cacophony.Weights.Flax;

namespace Cacophony.Tests.Weights;

/// <summary>
/// Damaged inputs, run through the real convert_checkpoint tool: each must give exit code 2 and
/// exactly one line on stderr naming the file (and the tensor when there is one), never a stack trace.
/// </summary>
public class BadCheckpointTests
{
    TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    string ConvertFails(string checkpoint, params string[] mustMention)
    {
        string output = _temp.File("out");
        var result = ToolRunner.Run("convert_checkpoint", [checkpoint, output, "--no-tokenizer", "--audio-heads", "8", "--text-heads", "4", "--decoder-heads", "4"]);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Out.WriteLine($"exit {result.ExitCode}: {result.Stderr.Trim()}");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(lines, Has.Length.EqualTo(1), "one line on stderr");
            Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(result.Stderr, Does.Contain(checkpoint), "names the file");
            foreach (var text in mustMention) Assert.That(result.Stderr, Does.Contain(text));
            Assert.That(Directory.Exists(output), Is.False, "nothing is written");
            Assert.That(Directory.GetFileSystemEntries(_temp.Path).Where(p => p.Contains(".partial")), Is.Empty, "no staging directory is left");
        });
        return result.Stderr;
    }

    string Copy(string source, string name, Func<byte[], byte[]> damage)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, damage(File.ReadAllBytes(source)));
        return path;
    }

    /// <summary>The tiny Flax checkpoint rewritten leaf by leaf, with some leaves changed.</summary>
    string RewriteFlax(string name, Func<string, MsgpackTreeWriter.Array, MsgpackTreeWriter.Array?> change, (string Path, MsgpackTreeWriter.Array Array)? extra = null)
    {
        var leaves = new Dictionary<string, object>();
        using (var source = FlaxCheckpoint.Open(TestData.FlaxCheckpoint))
            foreach (var (path, tensor) in source.Tensors)
            {
                var values = tensor.ReadAllFloat32();
                var array = new MsgpackTreeWriter.Array("float32", tensor.Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
                if (change(path, array) is { } kept) leaves["0/params/" + path] = kept;
            }
        if (extra is { } added) leaves["0/params/" + added.Path] = added.Array;
        string file = _temp.File(name);
        File.WriteAllBytes(file, MsgpackTreeWriter.Serialize(leaves));
        return file;
    }

    [Test]
    public void MissingFile() => ConvertFails(_temp.File("nope.ckpt"), "not found");

    [Test]
    public void WrongMagic() => ConvertFails(Copy(TestData.FlaxCheckpoint, "text.ckpt", _ => Encoding.UTF8.GetBytes("hello, I am not a checkpoint\n")), "unrecognized checkpoint format");

    [Test]
    public void CorruptFlaxDtype() =>
        ConvertFails(Copy(TestData.FlaxCheckpoint, "dtype.ckpt", b => Replace(b, "float32", "floax32")), "unsupported dtype 'floax32'", "tensor '");

    [Test]
    public void MissingFlaxTensor() =>
        ConvertFails(RewriteFlax("missing.ckpt", (path, a) => path == "audio_module/AudioEncoderLayer_1/MLP_0/Dense_1/bias" ? null : a),
            "audio_module/AudioEncoderLayer_1/MLP_0/Dense_1/bias", "missing", "[40]");

    [Test]
    public void WrongFlaxShape() =>
        ConvertFails(RewriteFlax("shape.ckpt", (path, a) => path == "text_proj/kernel" ? a with { Shape = [32, 16] } : a),
            "text_proj/kernel", "[32, 16]", "[16, 32]");

    [Test]
    public void ExtraFlaxTensor() =>
        ConvertFails(RewriteFlax("extra.ckpt", (_, a) => a, extra: ("surprise/kernel", new MsgpackTreeWriter.Array("float32", [2], new byte[8]))),
            "surprise/kernel", "not part of this model");

    [Test]
    public void TruncatedFlaxNamesTheTensorBeingRead() =>
        ConvertFails(Copy(TestData.FlaxCheckpoint, "cut2.ckpt", b => b[..(b.Length / 2)]), "truncated or corrupt", "tensor '0/params/");

    [Test]
    public void TruncatedTorchZip() => ConvertFails(Copy(TestData.TorchCheckpoint, "cut.pt", b => b[..(b.Length / 2)]), "zip");

    [Test]
    public void LegacyTorchFile() =>
        ConvertFails(Copy(TestData.TorchCheckpoint, "legacy.pt", _ => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]), "legacy");

    [Test]
    public void ForbiddenPickleGlobal()
    {
        // GLOBAL 'os system', the string 'echo pwned', TUPLE1, REDUCE, STOP: what a malicious .pt does.
        byte[] evil = [0x80, 0x02, .. Encoding.ASCII.GetBytes("cos\nsystem\n"), (byte)'X', 10, 0, 0, 0, .. Encoding.ASCII.GetBytes("echo pwned"), 0x85, (byte)'R', (byte)'.'];
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "evil.pt", "cacophony_tiny/data.pkl", evil), "os.system", "allow-list");
    }

    /// <summary>
    /// Pickles that once got a global past a separate pre-scan, because the scan read the opcodes differently from
    /// the unpickler: now the unpickler checks each global where it resolves it, so a global is refused exactly
    /// when it would be used.
    /// </summary>
    [Test]
    public void GlobalsAreCheckedWhereTheUnpicklerResolvesThem()
    {
        static byte[] Str(string text) => [0x8c, (byte)text.Length, .. Encoding.ASCII.GetBytes(text)];
        // STACK_GLOBAL with module and name fetched from the memo, then called.
        byte[] memoized = [0x80, 0x04, .. Str("builtins"), 0x94, .. Str("eval"), 0x94, (byte)'h', 0, (byte)'h', 1, 0x93, .. Str("1+1"), 0x85, (byte)'R', (byte)'.'];
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "stack.pt", "cacophony_tiny/data.pkl", memoized), "builtins.eval", "allow-list", "nothing was run");
        // A short SHORT_BINBYTES whose declared length a scanner could misread, right before a GLOBAL: the GLOBAL is read and refused.
        byte[] afterBytes = [0x80, 0x02, (byte)'C', 2, (byte)'c', (byte)'\n', (byte)'0', .. Encoding.ASCII.GetBytes("cposix\nsystem\n"), .. Str("id"), 0x85, (byte)'R', (byte)'.'];
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "desync.pt", "cacophony_tiny/data.pkl", afterBytes), "posix.system", "allow-list");
        // The same GLOBAL bytes inside a BINBYTES payload are data, not a global: the file is refused for what it is.
        byte[] inData = [0x80, 0x02, (byte)'}', .. Str("w"), (byte)'C', 14, .. Encoding.ASCII.GetBytes("cposix\nsystem\n"), (byte)'s', (byte)'.'];
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "data.pt", "cacophony_tiny/data.pkl", inData), "'w'", "not a tensor");
        // An allow-listed module with a name outside the list.
        byte[] otherName = [0x80, 0x02, .. Encoding.ASCII.GetBytes("ccollections\ndefaultdict\n"), (byte)')', (byte)'R', (byte)'.'];
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "defaultdict.pt", "cacophony_tiny/data.pkl", otherName), "collections.defaultdict");
    }

    [Test]
    public void WrongTorchShape()
    {
        // Rewrite the size tuple of one tensor in the pickle: text_proj.weight (32, 16) -> (16, 32).
        byte[] pickle;
        using (var zip = ZipFile.OpenRead(TestData.TorchCheckpoint))
        using (var stream = zip.GetEntry("cacophony_tiny/data.pkl")!.Open())
        using (var memory = new MemoryStream())
        {
            stream.CopyTo(memory);
            pickle = memory.ToArray();
        }
        int at = IndexOf(pickle, Encoding.ASCII.GetBytes("text_proj.weight"));
        int size = IndexOf(pickle, [(byte)'K', 32, (byte)'K', 16, 0x86], at);
        Assert.That(size, Is.GreaterThan(at), "found the size tuple of text_proj.weight");
        pickle[size + 1] = 16;
        pickle[size + 3] = 32;
        ConvertFails(ReplaceZipEntry(TestData.TorchCheckpoint, "shape.pt", "cacophony_tiny/data.pkl", pickle), "text_proj.weight", "[16, 32]", "[32, 16]");
    }

    string ReplaceZipEntry(string source, string name, string entryName, byte[] content)
    {
        string path = _temp.File(name);
        File.Copy(source, path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        zip.GetEntry(entryName)!.Delete();
        using var stream = zip.CreateEntry(entryName, CompressionLevel.NoCompression).Open();
        stream.Write(content);
        return path;
    }

    static byte[] Replace(byte[] bytes, string find, string with)
    {
        var result = (byte[])bytes.Clone();
        int at = IndexOf(result, Encoding.ASCII.GetBytes(find));
        Assert.That(at, Is.GreaterThanOrEqualTo(0));
        Encoding.ASCII.GetBytes(with).CopyTo(result, at);
        return result;
    }

    static int IndexOf(byte[] haystack, byte[] needle, int from = 0) => haystack.AsSpan(from).IndexOf(needle) is var i and >= 0 ? from + i : -1;
}
