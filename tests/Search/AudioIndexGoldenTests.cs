using Cacophony.Model;
using Cacophony.Search;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>
/// An index of the golden clips, made by the real encoder on the tiny model, searched by the golden texts and by
/// example: the ranking and the scores are the reference's (its float64 audio and text embeddings), and a long
/// recording's windows are the embeddings of the same samples cut out as files of their own.
/// </summary>
public class AudioIndexGoldenTests : TinyModelCliFixture
{
    CacophonyModel _model = null!;
    string _library = "", _index = "";

    [OneTimeSetUp]
    public void BuildIndex()
    {
        _model = CacophonyModel.Load(ModelDirectory);
        _library = LibraryFolder.WithGoldenClips(Temp.File("library"));
        LibraryFolder.WriteWav(Path.Combine(_library, "long", "recording.wav"), LibraryFolder.Recording(7, 23));
        _index = Temp.File("library.cidx");
        var report = AudioIndex.Build(_model, [_library], _index);
        Assert.That((report.Embedded, report.Skipped.Count, report.WindowsEmbedded), Is.EqualTo((6, 0, 5 + 4)));
    }

    [OneTimeTearDown]
    public void Unload() => _model?.Dispose();

    static float[][] GoldenSimilarity()
    {
        var cosines = Golden.Load("logits", "similarity_audio_text");
        int texts = cosines.Shape[1];
        return Enumerable.Range(0, cosines.Shape[0]).Select(a => cosines.Float32!.AsSpan(a * texts, texts).ToArray()).ToArray();
    }

    static string[] GoldenTexts() => Golden.Texts("text_main");

    [Test]
    public void TextQueriesRankTheClipsAsTheReferenceDoes()
    {
        var similarity = GoldenSimilarity();
        var texts = GoldenTexts();
        using var index = AudioIndex.Open(_index);
        int checkedTop = 0;
        for (int t = 0; t < texts.Length; t++)
        {
            var hits = index.Search(_model, texts[t], new SearchOptions { Top = 10 }).Where(h => !h.Path.Contains("long")).ToList();
            var expected = LibraryFolder.GoldenClips.Select((clip, a) => (Clip: clip, Score: similarity[Golden.AudioCases.ToList().IndexOf("audio_" + clip)][t]))
                .OrderByDescending(e => e.Score).ToList();
            foreach (var hit in hits)
                Assert.That(hit.Score, Is.EqualTo(expected.Single(e => hit.Path.EndsWith(e.Clip + ".wav")).Score).Within(1e-4), $"\"{texts[t]}\": {hit.Path}");
            // The order, wherever the reference's margin is above the engines' difference.
            for (int i = 0; i + 1 < expected.Count; i++)
                if (expected[i].Score - expected[i + 1].Score > 3e-4)
                    Assert.That(hits[i].Path, Does.EndWith(expected[i].Clip + ".wav"), $"\"{texts[t]}\": rank {i + 1}");
            if (expected[0].Score - expected[1].Score > 3e-4) checkedTop++;
        }
        Assert.That(checkedTop, Is.GreaterThanOrEqualTo(texts.Length - 2), "most texts have a clear best clip");
    }

    [Test]
    public void AnExampleFindsItselfFirstAndThenItsReferenceNeighbours()
    {
        using var index = AudioIndex.Open(_index);
        var golden = LibraryFolder.GoldenClips.ToDictionary(c => c, c => Golden.Floats("audio_" + c, "audio_embedding"));
        foreach (var clip in LibraryFolder.GoldenClips)
        {
            string example = TestData.Tiny($"wavs/{clip}.wav");
            var hits = index.SearchLike(_model, example, new SearchOptions { Top = 3 });
            Assert.That(hits[0].Path, Is.EqualTo(Path.Combine(_library, clip + ".wav")), clip);
            Assert.That(hits[0].Score, Is.EqualTo(1).Within(1e-5), "a clip's cosine with itself");
            var others = index.SearchLike(_model, example, new SearchOptions { Top = 10 }, excludeSelf: true).Where(h => !h.Path.Contains("long")).ToList();
            Assert.That(others.Select(h => h.Path), Has.None.EqualTo(hits[0].Path), "--exclude-self");
            var expected = golden.Where(g => g.Key != clip).Select(g => (g.Key, Score: Compare.Cosine(golden[clip], g.Value))).OrderByDescending(e => e.Score).ToList();
            foreach (var hit in others)
                Assert.That(hit.Score, Is.EqualTo(expected.Single(e => hit.Path.EndsWith(e.Key + ".wav")).Score).Within(1e-4), $"{clip} -> {hit.Path}");
            if (expected[0].Score - expected[1].Score > 3e-4) Assert.That(others[0].Path, Does.EndWith(expected[0].Key + ".wav"), clip);
        }
    }

    [Test]
    public void ALongRecordingIsIndexedAsWindowsEachTheEmbeddingOfItsSamples()
    {
        using var index = AudioIndex.Open(_index);
        var recording = index.Files.Single(f => f.RelativePath == "long/recording.wav");
        Assert.That(recording.Windows.Select(w => w.Offset), Is.EqualTo(new[] { 0f, 5f, 10f, 13f }));
        Assert.That(recording.Windows.Select(w => w.Duration), Has.All.EqualTo(10f));
        Assert.That(recording.Duration, Is.EqualTo(23).Within(1e-9));
        var samples = LibraryFolder.Recording(7, 23);
        for (int w = 0; w < recording.Windows.Count; w++)
        {
            string cut = Temp.File($"window{w}.wav");
            LibraryFolder.WriteWav(cut, samples.AsSpan((int)(recording.Windows[w].Offset * 16000), 160000).ToArray());
            var expected = _model.EmbedAudio(cut);
            var stored = index.Vector(recording, w);
            Assert.That(stored.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-6), $"window {w}");
        }
        // A window's own samples as a query find that window, with its offset.
        string third = Temp.File("window2.wav");
        var hit = index.SearchLike(_model, third, new SearchOptions { Top = 1 })[0];
        Assert.That((hit.File.RelativePath, hit.Window.Offset, hit.Score), Is.EqualTo(("long/recording.wav", 10f, hit.Score)));
        Assert.That(hit.Score, Is.EqualTo(1).Within(1e-5));
    }

    [Test]
    public void AnotherModelOrPrecisionIsRefused()
    {
        using var index = AudioIndex.Open(_index);
        using var int8 = CacophonyModel.Load(ModelDirectory, new ModelOptions { Precision = WeightPrecision.Int8 });
        var refused = Assert.Throws<IndexFormatException>(() => index.Search(int8, "a dog barks"))!;
        Assert.That(refused.Message, Does.StartWith(_index).And.Contain("was built with the model").And.Contain("fp32").And.Contain("int8"));
    }
}
