using Cacophony.Eval.Datasets;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>The dataset readers on their official layouts (file names and headers as distributed).</summary>
public class DatasetLayoutTests
{
    [Test]
    public void UrbanSound8KReadsFoldDirectoriesAndSpacesTheClassNames()
    {
        using var temp = new TempDirectory();
        string root = MiniDatasets.UrbanSound8K(temp.File("UrbanSound8K"));
        var set = UrbanSound8K.Read(root);
        Assert.That(set.Clips.Select(c => c.Label), Is.EqualTo(new[] { "dog bark", "children playing" }));
        Assert.That(set.Missing, Has.Count.EqualTo(1), "fold3's clip is absent");
        Assert.That(UrbanSound8K.Read(root, new HashSet<int> { 2 }).Clips.Single().Id, Is.EqualTo("100263-2-0-117.wav"));
    }

    [Test]
    public void Esc50KeepsUnderscoresAndFiltersFolds()
    {
        using var temp = new TempDirectory();
        string root = MiniDatasets.Esc50(temp.File("ESC-50"));
        Assert.That(Esc50.Read(root).Clips.Select(c => c.Label).Distinct(), Is.EqualTo(new[] { "dog", "chirping_birds", "rain" }));
        Assert.That(Esc50.Read(root, new HashSet<int> { 2 }).Clips, Has.Count.EqualTo(3));
    }

    [Test]
    public void TutReadsBothPackagesWithTheirMetaFiles()
    {
        using var temp = new TempDirectory();
        MiniDatasets.Tut2017(temp.File("tut"));
        var set = TutAcousticScenes2017.Read(temp.File("tut"));
        Assert.That(set.Clips.Select(c => c.Label), Is.EqualTo(new[] { "residential area", "cafe/restaurant" }));
        Assert.That(set.Prompt, Is.EqualTo("This is a sound on "));
        Assert.That(TutAcousticScenes2017.Read(temp.File("tut"), "evaluation").Clips, Has.Count.EqualTo(1));
    }

    [Test]
    public void VggSoundFindsClipsByPatternInAnyFormatAndCountsTheMissing()
    {
        using var temp = new TempDirectory();
        string root = MiniDatasets.VggSound(temp.File("vggsound"));
        var set = VggSound.Read(root);
        Assert.That(set.Clips.Single().Label, Is.EqualTo("people marching"));
        Assert.That(set.Missing, Is.EqualTo(new[] { "--U7joUcTCo_000000" }));
    }

    [Test]
    public void AudioCapsGroupsTheCaptionsOfAClip()
    {
        using var temp = new TempDirectory();
        string root = MiniDatasets.AudioCaps(temp.File("audiocaps"));
        var set = AudioCaps.Read(root);
        Assert.That(set.Clips[0].Captions, Is.EqualTo(new[] { "Constant rattling noise and sharp vibrations", "A rattling, then vibrations" }));
        Assert.That(set.Clips, Has.Count.EqualTo(2));
        Assert.That(set.Missing, Is.EqualTo(new[] { "6BJ455B1aAs" }));
    }
}
