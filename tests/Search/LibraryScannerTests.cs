using Cacophony.Search;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>The walk over a library: audio files by extension, in ordinal order, symlinks followed without loops or duplicates, problems reported.</summary>
public class LibraryScannerTests
{
    [Test]
    public void FollowsLinksOnceNeverLoopsAndReportsBrokenOnes()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("symbolic links need privileges on Windows");
        using var temp = new TempDirectory();
        string lib = temp.File("lib"), other = temp.File("elsewhere");
        Directory.CreateDirectory(Path.Combine(lib, "b", "deep"));
        Directory.CreateDirectory(other);
        foreach (var f in new[] { "a.wav", "B.MP3", "notes.txt", "b/c.flac", "b/deep/d.ogg" }) File.WriteAllText(Path.Combine(lib, f), f);
        File.WriteAllText(Path.Combine(other, "e.wav"), "e");
        File.CreateSymbolicLink(Path.Combine(lib, "b", "deep", "up"), lib);                // a loop back to the root
        File.CreateSymbolicLink(Path.Combine(lib, "b", "same-a.wav"), Path.Combine(lib, "a.wav")); // a second name for a.wav
        Directory.CreateSymbolicLink(Path.Combine(lib, "linked"), other);                 // a folder outside, through a link
        File.CreateSymbolicLink(Path.Combine(lib, "gone.wav"), temp.File("nothing-here.wav"));
        var problems = new List<string>();
        var files = LibraryScanner.Scan([lib], (path, problem) => problems.Add($"{Path.GetFileName(path)}: {problem}"));
        Assert.That(files.Select(f => f.RelativePath), Is.EqualTo(new[] { "B.MP3", "a.wav", "b/c.flac", "b/deep/d.ogg", "linked/e.wav" }));
        Assert.That(files.Select(f => f.FullPath), Has.All.StartWith(lib));
        Assert.That(problems, Is.EqualTo(new[] { "gone.wav: broken symbolic link" }));
        Assert.That(files[1].Size, Is.EqualTo(5));
    }
}
