namespace Cacophony.Search;

/// <summary>A file the walk found: which root, its path below it ('/'-separated), where it is, its size and time.</summary>
public sealed record LibraryFile(int Root, string RelativePath, string FullPath, long Size, long ModifiedTicks)
{
    internal string Key => Root + ":" + RelativePath;
}

/// <summary>
/// Walks the library's folders for audio files, following symbolic links to folders and files without looping:
/// a folder is entered once by its real path (every link in it resolved), and a real file is listed once, under
/// the first path that reaches it. Entries are visited in ordinal order, so the walk is the same on every run.
/// Folders that cannot be listed and broken links are reported, not fatal.
/// </summary>
public static class LibraryScanner
{
    /// <summary>The extensions of the audio files indexed (decoded by content: WAV/RF64, MP3 and Ogg natively, the rest through ffmpeg).</summary>
    public static readonly IReadOnlySet<string> AudioExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".rf64", ".bwf", ".w64", ".mp3", ".ogg", ".oga", ".flac", ".opus", ".m4a", ".aac", ".mp4", ".aif", ".aiff", ".aifc", ".caf", ".wma", ".webm", ".mka",
    };

    public static List<LibraryFile> Scan(IReadOnlyList<string> roots, Action<string, string>? problem = null)
    {
        var files = new List<LibraryFile>();
        var seenFolders = new HashSet<string>(StringComparer.Ordinal);
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        for (int root = 0; root < roots.Count; root++)
        {
            string top = Path.GetFullPath(roots[root]);
            if (!Directory.Exists(top)) throw new DirectoryNotFoundException($"{roots[root]}: folder not found");
            var pending = new Stack<(string Walked, string Real, string Relative)>();
            pending.Push((top, RealPath(top), ""));
            while (pending.Count > 0)
            {
                var (walked, real, relative) = pending.Pop();
                if (!seenFolders.Add(real)) continue;
                string[] entries;
                try
                {
                    entries = Directory.GetFileSystemEntries(walked);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problem?.Invoke(walked, $"folder cannot be listed: {e.Message}");
                    continue;
                }
                Array.Sort(entries, StringComparer.Ordinal);
                var folders = new List<(string, string, string)>();
                foreach (var entry in entries)
                {
                    string name = Path.GetFileName(entry), path = relative.Length == 0 ? name : relative + "/" + name;
                    FileSystemInfo info = new FileInfo(entry);
                    string realEntry = Path.Combine(real, name);
                    if (info.LinkTarget is not null)
                    {
                        var target = SafeResolve(info)?.FullName;
                        if (target is null || !Path.Exists(target))
                        {
                            problem?.Invoke(entry, "broken symbolic link");
                            continue;
                        }
                        realEntry = RealPath(target);
                        info = Directory.Exists(target) ? new DirectoryInfo(target) : new FileInfo(target);
                    }
                    else if (Directory.Exists(entry)) info = new DirectoryInfo(entry);
                    if (info is DirectoryInfo)
                    {
                        folders.Add((entry, realEntry, path));
                        continue;
                    }
                    if (!AudioExtensions.Contains(Path.GetExtension(name)) || !seenFiles.Add(realEntry)) continue;
                    var file = (FileInfo)info;
                    files.Add(new LibraryFile(root, path, entry, file.Length, file.LastWriteTimeUtc.Ticks));
                }
                for (int i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]); // first folder walked first
            }
        }
        return files;
    }

    static FileSystemInfo? SafeResolve(FileSystemInfo link)
    {
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return null; // a cycle of links
        }
    }

    /// <summary>The path with every symbolic link in it resolved, so that two routes to one folder compare equal.</summary>
    public static string RealPath(string path, int depth = 0)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        string current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null && depth < 40 && SafeResolve(info) is { } target) next = RealPath(target.FullName, depth + 1);
            current = next;
        }
        return current;
    }
}
