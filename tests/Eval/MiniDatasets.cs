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

    /// <summary>ESC-50: audio/*.wav and meta/esc50.csv with the real header; 3 classes x 2 clips over folds 1 and 2.</summary>
    public static string Esc50(string root)
    {
        string[] categories = ["dog", "chirping_birds", "rain"];
        var lines = new List<string> { "filename,fold,target,category,esc10,src_file,take" };
        for (int c = 0; c < categories.Length; c++)
            for (int k = 0; k < 2; k++)
            {
                string file = $"{k + 1}-{100 + c}-A-{c}.wav";
                Tone(Path.Combine(root, "audio", file), 200 + 300 * c + 40 * k, seed: c * 10 + k);
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
}
