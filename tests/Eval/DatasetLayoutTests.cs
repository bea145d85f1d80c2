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
        string root = temp.File("UrbanSound8K");
        MiniDatasets.Tone(Path.Combine(root, "audio", "fold1", "100032-3-0-0.wav"), 300);
        MiniDatasets.Tone(Path.Combine(root, "audio", "fold2", "100263-2-0-117.wav"), 500);
        Directory.CreateDirectory(Path.Combine(root, "metadata"));
        File.WriteAllLines(Path.Combine(root, "metadata", "UrbanSound8K.csv"),
        [
            "slice_file_name,fsID,start,end,salience,fold,classID,class",
            "100032-3-0-0.wav,100032,0.0,0.317551,1,1,3,dog_bark",
            "100263-2-0-117.wav,100263,58.5,62.5,1,2,2,children_playing",
            "100648-1-0-0.wav,100648,4.82,9.82,2,3,1,car_horn",
        ]);
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
        string development = temp.File(Path.Combine("tut", "TUT-acoustic-scenes-2017-development"));
        string evaluation = temp.File(Path.Combine("tut", "TUT-acoustic-scenes-2017-evaluation"));
        MiniDatasets.Tone(Path.Combine(development, "audio", "b020_90_100.wav"), 300);
        MiniDatasets.Tone(Path.Combine(evaluation, "audio", "1.wav"), 600);
        File.WriteAllText(Path.Combine(development, "meta.txt"), "audio/b020_90_100.wav\tresidential_area\tb020\n");
        Directory.CreateDirectory(Path.Combine(evaluation, "evaluation_setup"));
        File.WriteAllText(Path.Combine(evaluation, "evaluation_setup", "evaluate.txt"), "audio/1.wav\tcafe/restaurant\n");
        var set = TutAcousticScenes2017.Read(temp.File("tut"));
        Assert.That(set.Clips.Select(c => c.Label), Is.EqualTo(new[] { "residential area", "cafe/restaurant" }));
        Assert.That(set.Prompt, Is.EqualTo("This is a sound on "));
        Assert.That(TutAcousticScenes2017.Read(temp.File("tut"), "evaluation").Clips, Has.Count.EqualTo(1));
    }

    [Test]
    public void VggSoundFindsClipsByPatternInAnyFormatAndCountsTheMissing()
    {
        using var temp = new TempDirectory();
        string root = temp.File("vggsound");
        MiniDatasets.Tone(Path.Combine(root, "test", "---g-f_I2yQ_000001.wav"), 300);
        File.WriteAllLines(Path.Combine(root, "vggsound.csv"),
        [
            "---g-f_I2yQ,1,people marching,test",
            "--0PQM4-hqg,30,waterfall burbling,train",
            "--U7joUcTCo,0,people eating crisps,test",
        ]);
        var set = VggSound.Read(root);
        Assert.That(set.Clips.Single().Label, Is.EqualTo("people marching"));
        Assert.That(set.Missing, Is.EqualTo(new[] { "--U7joUcTCo_000000" }));
    }

    [Test]
    public void AudioCapsGroupsTheCaptionsOfAClip()
    {
        using var temp = new TempDirectory();
        string root = temp.File("audiocaps");
        MiniDatasets.Tone(Path.Combine(root, "test", "Y7fmOlUlwoNg.wav"), 300);
        File.WriteAllLines(Path.Combine(root, "test.csv"),
        [
            "audiocap_id,youtube_id,start_time,caption",
            "103549,7fmOlUlwoNg,20,Constant rattling noise and sharp vibrations",
            "103548,7fmOlUlwoNg,20,\"A rattling, then vibrations\"",
            "103541,6BJ455B1aAs,0,A goat bleating repeatedly",
        ]);
        var set = AudioCaps.Read(root);
        Assert.That(set.Clips.Single().Captions, Is.EqualTo(new[] { "Constant rattling noise and sharp vibrations", "A rattling, then vibrations" }));
        Assert.That(set.Missing, Is.EqualTo(new[] { "6BJ455B1aAs" }));
    }
}
