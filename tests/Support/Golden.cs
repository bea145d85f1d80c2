using Cacophony.Weights.Numpy;

namespace Cacophony.Tests.Support;

/// <summary>The golden reference's cases (tests/data/tiny/cases), and error reporting against them.</summary>
public static class Golden
{
    public static readonly string[] AudioCases =
        ["audio_front_center", "audio_noise", "audio_stereo_44k1_24bit", "audio_speech_espeak", "audio_clip_16k", "audio_long_16k_seq40"];

    /// <summary>The texts of a text case, from manifest.json.</summary>
    public static string[] Texts(string caseName)
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestData.Tiny("manifest.json")));
        return manifest.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == caseName)
            .GetProperty("inputs").GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
    }

    public static NpyArray Load(string caseName, string array) => NpyFile.Read(TestData.Tiny(Path.Combine("cases", caseName, array + ".npy")));

    public static float[] Floats(string caseName, string array) => Load(caseName, array).Float32!;

    public static int[] Ints(string caseName, string array) => Load(caseName, array).Int32!;

    /// <summary>Max-abs and max relative (to the largest reference magnitude) error, printed and returned.</summary>
    public static (double MaxAbs, double Relative) Report(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        double maxAbs = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        double relative = scale == 0 ? maxAbs : maxAbs / scale;
        TestContext.Out.WriteLine($"{what,-45} max-abs {maxAbs:E2}  relative {relative:E2}  ({expected.Length} values)");
        return (maxAbs, relative);
    }
}
