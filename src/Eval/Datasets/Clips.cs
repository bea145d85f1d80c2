namespace Cacophony.Eval.Datasets;

/// <summary>A clip of a classification set: its audio file, an id for result rows, and its class label.</summary>
public sealed record LabeledClip(string Path, string Id, string Label);

/// <summary>A clip of a captioning set with its reference captions (5 for AudioCaps test and Clotho).</summary>
public sealed record CaptionedClip(string Path, string Id, IReadOnlyList<string> Captions);

/// <summary>A classification set as read from disk; clips whose audio is absent are listed, not dropped silently.</summary>
public sealed record ClassificationSet(string Name, string Prompt, IReadOnlyList<LabeledClip> Clips, IReadOnlyList<string> Missing);

public sealed record CaptionSet(string Name, IReadOnlyList<CaptionedClip> Clips, IReadOnlyList<string> Missing);

/// <summary>Where audio files may be and which extensions count.</summary>
static class AudioFiles
{
    public static readonly string[] Extensions = [".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".mp4", ".mkv", ".webm"];

    /// <summary>The first existing `directory/stem.ext` for the supported extensions, or null.</summary>
    public static string? Find(IEnumerable<string> directories, string stem)
    {
        foreach (var directory in directories)
            foreach (var extension in Extensions)
            {
                string candidate = System.IO.Path.Combine(directory, stem + extension);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    public static void RequireDirectory(string path)
    {
        if (!Directory.Exists(path)) throw new DatasetException(path, "directory not found");
    }
}
