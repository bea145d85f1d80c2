namespace Cacophony.Tests.Support;

/// <summary>Paths to the fixtures copied from ../shared/golden into tests/data, and to the optional tokenizer.</summary>
public static class TestData
{
    /// <summary>The checkout the tests were built from (the folder with Cacophony.sln above the test directory), or null.</summary>
    public static string? RepositoryRoot()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cacophony.sln"))) root = root.Parent;
        return root?.FullName;
    }

    public static string Tiny(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "tiny", file);

    public static string FlaxCheckpoint => Tiny("cacophony_tiny.ckpt");
    public static string TorchCheckpoint => Tiny("cacophony_tiny.pt");
    public static string AudioMaeCheckpoint => Tiny("audiomae_tiny.ckpt");

    /// <summary>
    /// The roberta-base vocabulary may not be committed: it is found through $CACOPHONY_TOKENIZER_DIR
    /// or ../shared/tokenizer/roberta-base beside the repository; tests that need it are ignored without it.
    /// </summary>
    public static string TokenizerDirectoryOrIgnore()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CACOPHONY_TOKENIZER_DIR") is { Length: > 0 } env) candidates.Add(env);
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, "shared", "tokenizer", "roberta-base"));
        foreach (var candidate in candidates)
            if (File.Exists(Path.Combine(candidate, "vocab.json")) && File.Exists(Path.Combine(candidate, "merges.txt"))) return candidate;
        Assert.Ignore("roberta-base tokenizer files not found: set CACOPHONY_TOKENIZER_DIR or place them in ../shared/tokenizer/roberta-base");
        return "";
    }
}
