using Cacophony.Tests.Support;

namespace Cacophony.Tests.Search;

/// <summary>Sound libraries for the search tests: the golden clips, and synthetic recordings written as 16-bit WAV.</summary>
static class LibraryFolder
{
    /// <summary>The golden audio cases whose reference embeddings are in the 10 s zero-shot setting (the long clip's are at 40 patches).</summary>
    public static readonly string[] GoldenClips = ["front_center", "noise", "stereo_44k1_24bit", "speech_espeak", "clip_16k"];

    public static string WithGoldenClips(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var clip in GoldenClips) File.Copy(TestData.Tiny($"wavs/{clip}.wav"), Path.Combine(folder, clip + ".wav"));
        return folder;
    }

    /// <summary>Noise with a tone burst, different for every seed: a file no other file shares bytes with.</summary>
    public static short[] Recording(int seed, double seconds, int rate = 16000)
    {
        var random = new Random(seed);
        var samples = new short[(int)(seconds * rate)];
        double frequency = 200 + 37 * (seed % 50);
        for (int i = 0; i < samples.Length; i++)
        {
            double t = (double)i / rate;
            double tone = t % 4 < 1 ? 0.3 * Math.Sin(2 * Math.PI * frequency * t) : 0;
            samples[i] = (short)Math.Round(32767 * Math.Clamp(tone + 0.05 * (random.NextDouble() * 2 - 1), -1, 1));
        }
        return samples;
    }

    public static void WriteWav(string path, short[] samples, int rate = 16000)
    {
        var data = new byte[samples.Length * 2];
        Buffer.BlockCopy(samples, 0, data, 0, data.Length);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new WavBuilder().Chunk("fmt ", WavBuilder.Fmt(1, 1, rate, 16)).Chunk("data", data).Build());
    }
}
