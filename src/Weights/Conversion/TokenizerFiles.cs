namespace Cacophony.Weights.Conversion;

/// <summary>Finds the roberta-base vocabulary (vocab.json + merges.txt) that a Cacophony model directory carries.</summary>
public static class TokenizerFiles
{
    public static readonly string[] Names = ["vocab.json", "merges.txt"];

    /// <summary>The given directory, else the Hugging Face cache's roberta-base snapshot; null when neither has the files.</summary>
    public static string? Locate(string? directory) =>
        directory is not null ? (HasFiles(directory) ? directory : null) : CacheSnapshots().FirstOrDefault(HasFiles);

    /// <summary>Where <see cref="Locate"/> looks without a directory: the snapshots of roberta-base in the Hugging Face cache.</summary>
    public static string CacheDirectory
    {
        get
        {
            string home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hf
                ? Path.Combine(hf, "hub")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");
            return Path.Combine(home, "models--roberta-base", "snapshots");
        }
    }

    static IEnumerable<string> CacheSnapshots() =>
        Directory.Exists(CacheDirectory) ? Directory.GetDirectories(CacheDirectory).Order(StringComparer.Ordinal) : [];

    static bool HasFiles(string directory) => Names.All(n => File.Exists(Path.Combine(directory, n)));

    /// <summary>Which tokenizer files are missing and where they were looked for, and how to get them.</summary>
    public static string NotFound(string? directory)
    {
        string searched = directory is not null
            ? $"{directory} (from --tokenizer)"
            : CacheSnapshots().ToList() is { Count: > 0 } snapshots
                ? string.Join(", ", snapshots) + " (the Hugging Face cache's roberta-base snapshots)"
                : $"{CacheDirectory} (the Hugging Face cache; it does not exist)";
        return $"the roberta-base tokenizer files (vocab.json, merges.txt) were not found in {searched}: pass --tokenizer DIR " +
            "(download them from https://huggingface.co/roberta-base, or run `huggingface-cli download roberta-base vocab.json merges.txt`), " +
            "or --no-tokenizer for an audio-only model directory";
    }
}
