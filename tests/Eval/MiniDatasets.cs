using Cacophony.Tests.Support;

namespace Cacophony.Tests.Eval;

/// <summary>Tiny datasets in their official layouts, with generated tones as audio.</summary>
static class MiniDatasets
{
    public static void Tone(string path, double hz, double seconds = 1.5, int rate = 16000, int seed = 0)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        int n = (int)(seconds * rate);
        var data = new byte[n * 2];
        for (int i = 0; i < n; i++)
        {
            double v = 0.4 * Math.Sin(2 * Math.PI * hz * i / rate) + 0.05 * (random.NextDouble() - 0.5);
            BitConverter.TryWriteBytes(data.AsSpan(2 * i), (short)Math.Round(v * 32767));
        }
        File.WriteAllBytes(path, new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, rate, 16)).Chunk("data", data).Build());
    }

    /// <summary>ESC-50: audio/*.wav (44.1 kHz, as the dataset) and meta/esc50.csv with the real header; 3 classes x 2 clips over folds 1 and 2.</summary>
    public static string Esc50(string root)
    {
        string[] categories = ["dog", "chirping_birds", "rain"];
        var lines = new List<string> { "filename,fold,target,category,esc10,src_file,take" };
        for (int c = 0; c < categories.Length; c++)
            for (int k = 0; k < 2; k++)
            {
                string file = $"{k + 1}-{100 + c}-A-{c}.wav";
                Tone(Path.Combine(root, "audio", file), 200 + 300 * c + 40 * k, rate: 44100, seed: c * 10 + k);
                lines.Add($"{file},{k + 1},{c},{categories[c]},False,{100 + c},A");
            }
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        File.WriteAllLines(Path.Combine(root, "meta", "esc50.csv"), lines);
        return root;
    }

    /// <summary>Clotho v2: clotho_captions_evaluation.csv (quoted captions with commas) and evaluation/*.wav.</summary>
    public static string Clotho(string root)
    {
        var lines = new List<string> { "file_name,caption_1,caption_2,caption_3,caption_4,caption_5" };
        string[][] captions =
        [
            ["A dog barks twice.", "\"A dog, loud, barks.\"", "Barking of a dog nearby.", "A dog is barking.", "Someone's dog barks."],
            ["Rain falls on a roof.", "Heavy rain.", "\"Rain, steady and calm.\"", "Water drops on metal.", "It is raining."],
            ["Birds chirp in the morning.", "Birds are singing.", "Chirping birds.", "\"Birds, many of them, sing.\"", "A bird calls."],
        ];
        for (int c = 0; c < captions.Length; c++)
        {
            string file = $"clip {c + 1}.wav";
            Tone(Path.Combine(root, "evaluation", file), 300 + 500 * c, seconds: 2, rate: 44100, seed: c);
            lines.Add($"{file},{string.Join(',', captions[c])}");
        }
        File.WriteAllLines(Path.Combine(root, "clotho_captions_evaluation.csv"), lines);
        return root;
    }

    /// <summary>UrbanSound8K: audio/fold*/ and metadata/UrbanSound8K.csv; two clips present, one listed but absent.</summary>
    public static string UrbanSound8K(string root)
    {
        Tone(Path.Combine(root, "audio", "fold1", "100032-3-0-0.wav"), 300);
        Tone(Path.Combine(root, "audio", "fold2", "100263-2-0-117.wav"), 500);
        Directory.CreateDirectory(Path.Combine(root, "metadata"));
        File.WriteAllLines(Path.Combine(root, "metadata", "UrbanSound8K.csv"),
        [
            "slice_file_name,fsID,start,end,salience,fold,classID,class",
            "100032-3-0-0.wav,100032,0.0,0.317551,1,1,3,dog_bark",
            "100263-2-0-117.wav,100263,58.5,62.5,1,2,2,children_playing",
            "100648-1-0-0.wav,100648,4.82,9.82,2,3,1,car_horn",
        ]);
        return root;
    }

    /// <summary>TUT 2017: the development package with meta.txt, the evaluation package with evaluation_setup/evaluate.txt.</summary>
    public static string Tut2017(string root)
    {
        string development = Path.Combine(root, "TUT-acoustic-scenes-2017-development");
        string evaluation = Path.Combine(root, "TUT-acoustic-scenes-2017-evaluation");
        Tone(Path.Combine(development, "audio", "b020_90_100.wav"), 300, rate: 44100);
        Tone(Path.Combine(evaluation, "audio", "1.wav"), 600, rate: 44100);
        File.WriteAllText(Path.Combine(development, "meta.txt"), "audio/b020_90_100.wav\tresidential_area\tb020\n");
        Directory.CreateDirectory(Path.Combine(evaluation, "evaluation_setup"));
        File.WriteAllText(Path.Combine(evaluation, "evaluation_setup", "evaluate.txt"), "audio/1.wav\tcafe/restaurant\n");
        return root;
    }

    /// <summary>VGGSound: vggsound.csv without header; one test clip present (as <id>_<start6>.wav under test/), one absent, one train row.</summary>
    public static string VggSound(string root)
    {
        Tone(Path.Combine(root, "test", "---g-f_I2yQ_000001.wav"), 300);
        File.WriteAllLines(Path.Combine(root, "vggsound.csv"),
        [
            "---g-f_I2yQ,1,people marching,test",
            "--0PQM4-hqg,30,waterfall burbling,train",
            "--U7joUcTCo,0,people eating crisps,test",
        ]);
        return root;
    }

    /// <summary>AudioCaps: test.csv (audiocap_id, youtube_id, start_time, caption) and clips as test/Y<id>.wav; one clip absent.</summary>
    public static string AudioCaps(string root)
    {
        Tone(Path.Combine(root, "test", "Y7fmOlUlwoNg.wav"), 300);
        Tone(Path.Combine(root, "test", "Y0AbCdEfGhI.wav"), 900);
        File.WriteAllLines(Path.Combine(root, "test.csv"),
        [
            "audiocap_id,youtube_id,start_time,caption",
            "103549,7fmOlUlwoNg,20,Constant rattling noise and sharp vibrations",
            "103548,7fmOlUlwoNg,20,\"A rattling, then vibrations\"",
            "103550,0AbCdEfGhI,0,A high whistle",
            "103541,6BJ455B1aAs,0,A goat bleating repeatedly",
        ]);
        return root;
    }
}
