namespace Cacophony.Benchmarks;

/// <summary>The synthetic inputs the benchmarks share, so that every suite times the same clip and caption.</summary>
static class BenchmarkInputs
{
    /// <summary>A 440 Hz tone with a little uniform noise at 16 kHz: as long as asked, the same for the same seed.</summary>
    public static float[] Clip(int seconds, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 16000 * seconds).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000.0) + 0.05 * (random.NextDouble() - 0.5))).ToArray();
    }

    /// <summary>A 100-token caption: &lt;s&gt;, 98 ordinary ids, &lt;/s&gt;.</summary>
    public static int[] Caption() => [0, .. Enumerable.Range(0, 98).Select(i => 1000 + 37 * i), 2];

    /// <summary>Samples at 16 kHz as a 16-bit mono WAV file's bytes.</summary>
    public static byte[] Wav(float[] samples)
    {
        using var bytes = new MemoryStream();
        using var writer = new BinaryWriter(bytes);
        writer.Write("RIFF"u8);
        writer.Write(36 + samples.Length * 2);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(16000);
        writer.Write(32000);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples.Length * 2);
        foreach (var s in samples) writer.Write((short)Math.Round(Math.Clamp(s, -1f, 1f) * 32767));
        writer.Flush();
        return bytes.ToArray();
    }
}
