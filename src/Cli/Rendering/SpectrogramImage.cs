namespace Cacophony.Cli.Rendering;

/// <summary>A log-mel spectrogram as a picture: time to the right, low frequencies at the bottom, a perceptual colour ramp.</summary>
static class SpectrogramImage
{
    // Anchor colours of a dark-to-bright ramp (close to matplotlib's "magma").
    static readonly (double At, byte R, byte G, byte B)[] Ramp =
    [
        (0.00, 0, 0, 4), (0.25, 80, 18, 123), (0.50, 182, 54, 121), (0.75, 251, 136, 97), (1.00, 252, 253, 191),
    ];

    /// <param name="pixelsPerBin">Vertical scale, so that 128 mel bins are not a thin strip.</param>
    public static void Write(string path, ReadOnlySpan<float> mel, int melBins, int pixelsPerBin = 2)
    {
        int frames = Math.Max(1, mel.Length / melBins), height = melBins * pixelsPerBin;
        float min = mel.Length > 0 ? float.MaxValue : 0, max = mel.Length > 0 ? float.MinValue : 1;
        foreach (var v in mel)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        double range = max > min ? max - min : 1;
        var rgb = new byte[frames * height * 3];
        for (int t = 0; t < mel.Length / melBins; t++)
            for (int m = 0; m < melBins; m++)
            {
                var (r, g, b) = Colour((mel[t * melBins + m] - min) / range);
                for (int p = 0; p < pixelsPerBin; p++)
                {
                    int y = height - 1 - (m * pixelsPerBin + p);
                    int offset = (y * frames + t) * 3;
                    rgb[offset] = r;
                    rgb[offset + 1] = g;
                    rgb[offset + 2] = b;
                }
            }
        PngWriter.Write(path, frames, height, rgb);
    }

    static (byte, byte, byte) Colour(double x)
    {
        x = Math.Clamp(x, 0, 1);
        for (int i = 1; i < Ramp.Length; i++)
        {
            if (x > Ramp[i].At) continue;
            var (a, b) = (Ramp[i - 1], Ramp[i]);
            double f = (x - a.At) / (b.At - a.At);
            return ((byte)(a.R + f * (b.R - a.R)), (byte)(a.G + f * (b.G - a.G)), (byte)(a.B + f * (b.B - a.B)));
        }
        return (Ramp[^1].R, Ramp[^1].G, Ramp[^1].B);
    }
}
