namespace Cacophony.Weights.Conversion;

/// <summary>Finds the roberta-base vocabulary (vocab.json + merges.txt) that a Cacophony model directory carries.</summary>
public static class TokenizerFiles
{
    public static readonly string[] Names = ["vocab.json", "merges.txt"];

    /// <summary>The given directory, else the Hugging Face cache's roberta-base snapshot; null when neither has the files.</summary>
    public static string? Locate(string? directory)
    {
        if (directory is not null) return HasFiles(directory) ? directory : null;
        string home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hf
            ? Path.Combine(hf, "hub")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");
        string snapshots = Path.Combine(home, "models--roberta-base", "snapshots");
        if (!Directory.Exists(snapshots)) return null;
        return Directory.GetDirectories(snapshots).Order(StringComparer.Ordinal).FirstOrDefault(HasFiles);
    }

    static bool HasFiles(string directory) => Names.All(n => File.Exists(Path.Combine(directory, n)));

    public const string WhereToGetThem =
        "the roberta-base tokenizer files (vocab.json, merges.txt) were not found: pass --tokenizer DIR " +
        "(download them from https://huggingface.co/roberta-base, or run `huggingface-cli download roberta-base vocab.json merges.txt`), " +
        "or --no-tokenizer for an audio-only model directory";
}
