namespace Cacophony.Tests.Support;

/// <summary>Compares two directory trees file by file, byte for byte.</summary>
public static class DirectoryTree
{
    /// <summary>Relative path -> bytes of every file under <paramref name="root"/>, except under the top-level folders named in <paramref name="skip"/>.</summary>
    public static SortedDictionary<string, byte[]> Read(string root, params string[] skip)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path);
            if (skip.Any(s => relative.StartsWith(s + Path.DirectorySeparatorChar, StringComparison.Ordinal))) continue;
            files[relative] = File.ReadAllBytes(path);
        }
        return files;
    }

    /// <summary>Asserts the two trees hold the same files with the same bytes, naming the first that differs.</summary>
    public static void AssertSame(string expected, string actual, params string[] skip)
    {
        var a = Read(expected, skip);
        var b = Read(actual, skip);
        Assert.That(b.Keys, Is.EqualTo(a.Keys), $"the files of {actual} and of {expected}");
        foreach (var (name, bytes) in a)
            Assert.That(b[name].AsSpan().SequenceEqual(bytes), $"{name} differs between {expected} and {actual}");
    }
}
