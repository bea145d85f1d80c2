using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Packaging;

/// <summary>
/// The NuGet packages as a .NET user meets them: `dotnet pack` of the built solution into a local feed, each package's
/// metadata, and a fresh console app that restores Cacophony.Model from that feed and runs the README's snippet on the
/// tiny model (its similarity checked against the golden embeddings).
/// </summary>
public class PackageTests : TinyModelCliFixture
{
    static readonly string[] Libraries = ["Cacophony.Kernels", "Cacophony.Kernels.Gpu", "Cacophony.Weights", "Cacophony.Audio", "Cacophony.Model", "Cacophony.Eval", "Cacophony.Search", "Cacophony.Serve"];
    string _root = "", _feed = "";

    [OneTimeSetUp]
    public void Pack()
    {
        _root = TestData.RepositoryRoot() ?? "";
        if (_root.Length == 0) Assert.Ignore("not run from a checkout (no Cacophony.sln above the test directory)");
        _feed = Temp.File("feed");
        // The solution is built (Release) by the time its tests run; packing reuses that build.
        var pack = ToolRunner.Execute("dotnet", ["pack", Path.Combine(_root, "Cacophony.sln"), "-c", "Release", "--no-build", "-o", _feed], timeoutSeconds: 300);
        Assert.That(pack.ExitCode, Is.Zero, pack.Stdout + pack.Stderr);
    }

    [Test]
    public void EveryLibraryIsAPackageWithItsMetadataReadmeAndXmlDocs()
    {
        foreach (var id in Libraries)
        {
            var nupkg = Directory.GetFiles(_feed, $"{id}.*.nupkg").Where(f => !f.EndsWith(".snupkg") && PackageFile(id).IsMatch(Path.GetFileName(f))).ToArray();
            Assert.That(nupkg, Has.Length.EqualTo(1), $"{id}: one package in the feed");
            using var zip = ZipFile.OpenRead(nupkg[0]);
            var nuspec = XDocument.Load(zip.GetEntry($"{id}.nuspec")!.Open());
            string Field(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.That(Field("id"), Is.EqualTo(id));
            Assert.That(Field("description"), Has.Length.GreaterThan(40), $"{id}: a real description");
            Assert.That(Field("license"), Is.EqualTo("MIT"), $"{id}: license");
            Assert.That(Field("readme"), Is.EqualTo("README.md"), $"{id}: readme");
            Assert.That(zip.GetEntry("README.md"), Is.Not.Null, $"{id}: the readme is in the package");
            Assert.That(zip.GetEntry($"lib/net10.0/{id}.xml"), Is.Not.Null, $"{id}: XML docs");
            var repository = nuspec.Descendants().First(e => e.Name.LocalName == "repository");
            Assert.That(repository.Attribute("type")?.Value, Is.EqualTo("git"), $"{id}: repository");
            if (Directory.Exists(Path.Combine(_root, ".git")))
                Assert.That(repository.Attribute("commit")?.Value, Does.Match("^[0-9a-f]{40}$"), $"{id}: the commit it was built from");
        }
        Assert.That(Directory.GetFiles(_feed, "*.nupkg").Select(Path.GetFileName), Has.All.Matches<string>(f => Libraries.Any(id => PackageFile(id).IsMatch(f))),
            "the libraries only: the command ships as a binary, tools and tests not at all");
    }

    [Test]
    public void AFreshAppRestoresThePackagesAndRunsTheReadmeSnippet()
    {
        string readme = File.ReadAllText(Path.Combine(_root, "README.md"));
        string snippet = Snippet(readme[readme.IndexOf("## In a .NET application", StringComparison.Ordinal)..]);
        Assert.That(Snippet(File.ReadAllText(Path.Combine(_root, "docs", "PACKAGES.md"))), Is.EqualTo(snippet), "the packages' readme shows the README's snippet");

        // The snippet as written, on the tiny model, a golden clip and a golden text.
        const string text = "Hello world";
        string program = snippet.Replace("models/cacophony", ModelDirectory).Replace("dog.wav", TestData.Tiny("wavs/noise.wav")).Replace("a dog barks", text);
        Assert.That(program, Is.Not.EqualTo(snippet));
        string app = Temp.File("app");
        var run = RunApp(app, program, "Cacophony.Model");

        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(5), run.Stdout);
        var texts = new[] { "This is a sound of dog", "This is a sound on park", "Hello world" };
        var goldenText = Golden.Floats("text_main", "text_embedding").AsSpan(Array.IndexOf(texts, text) * 32, 32);
        Assert.That(double.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Compare.Cosine(Golden.Floats("audio_noise", "audio_embedding"), goldenText)).Within(1e-5));
        var labels = lines[1..4].Select(l => l.Split(": ")).ToArray();
        Assert.That(labels.Select(l => l[0]), Is.EquivalentTo(new[] { "dog", "rain", "car horn" }));
        Assert.That(labels.Sum(l => double.Parse(l[1].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(100).Within(0.2), "probabilities");
        Assert.That(lines[4].Trim(), Is.Not.Empty, "a caption");
        Assert.That(Directory.GetFiles(app, "ILGPU*.dll", SearchOption.AllDirectories), Is.Empty, "a CPU-only application does not carry ILGPU");
    }

    /// <summary>A fresh console app with <paramref name="program"/> as Program.cs, referencing <paramref name="package"/> from the local feed, run once.</summary>
    ToolRunner.Result RunApp(string app, string program, string package)
    {
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{Version(package)}" />
              </ItemGroup>
            </Project>
            """);
        // A packages folder of its own, so no earlier build of these versions is reused; the dependencies come from
        // the machine's package cache when they are there, from nuget.org otherwise.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="feed" value="{_feed}" />
                <add key="cache" value="{cache}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        var run = ToolRunner.Execute("dotnet", ["run", "-c", "Release"], new Dictionary<string, string> { ["NUGET_PACKAGES"] = Temp.File("packages") }, app, timeoutSeconds: 300);
        Assert.That(run.ExitCode, Is.Zero, run.Stdout + run.Stderr);
        TestContext.Out.WriteLine(run.Stdout);

        return run;
    }

    [Test]
    public void AFreshAppSearchesALibraryWithTheReadmeSearchSnippet()
    {
        string readme = File.ReadAllText(Path.Combine(_root, "README.md"));
        const string heading = "### Searching a sound library";
        string snippet = Snippet(readme[readme.IndexOf(heading, StringComparison.Ordinal)..]);
        string packages = File.ReadAllText(Path.Combine(_root, "docs", "PACKAGES.md"));
        Assert.That(Snippet(packages[packages.IndexOf(heading, StringComparison.Ordinal)..]), Is.EqualTo(snippet), "the packages' readme shows the README's search snippet");

        // The golden clips as the library, a golden text as the query: the first result is the reference's best clip.
        string library = Temp.File("sounds");
        Directory.CreateDirectory(library);
        string[] clips = ["front_center", "noise", "speech_espeak", "clip_16k"];
        foreach (var clip in clips) File.Copy(TestData.Tiny($"wavs/{clip}.wav"), Path.Combine(library, clip + ".wav"));
        const string text = "Hello world";
        string index = Temp.File("library.cidx");
        string program = snippet.Replace("models/cacophony", ModelDirectory).Replace("\"sounds\"", $"\"{library}\"").Replace("library.cidx", index).Replace("a dog barks", text);
        Assert.That(program, Is.Not.EqualTo(snippet));
        var run = RunApp(Temp.File("search-app"), program, "Cacophony.Search");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(clips.Length), run.Stdout);
        var similarity = Golden.Floats("logits", "similarity_audio_text");
        double Reference(string clip) => similarity[Array.IndexOf(Golden.AudioCases, "audio_" + clip) * 13 + 2];
        string best = clips.OrderByDescending(Reference).First();
        var first = lines[0].Split(' ');
        Assert.That(first[1], Is.EqualTo(Path.Combine(library, best + ".wav")), run.Stdout);
        Assert.That(double.Parse(first[0], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Reference(best)).Within(1e-3));
    }

    string Version(string id) => PackageFile(id).Match(string.Join('\n', Directory.GetFiles(_feed).Select(Path.GetFileName))).Groups[1].Value;

    static Regex PackageFile(string id) => new($@"^{Regex.Escape(id)}\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.nupkg$", RegexOptions.Multiline);

    static string Snippet(string markdown)
    {
        int start = markdown.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        return markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
