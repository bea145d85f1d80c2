namespace Cacophony.Cli.Rendering;

/// <summary>
/// The confusion matrix as a picture: one square of `cell` pixels per (true row, predicted column), white
/// for 0 to dark blue for a whole row's clips (each row normalized by its class size), a grey grid.
/// </summary>
static class ConfusionImage
{
    public static void Write(string path, int[,] confusion, int cell = 12)
    {
        int n = confusion.GetLength(0), size = n * cell;
        var rgb = new byte[size * size * 3];
        for (int t = 0; t < n; t++)
        {
            double total = Math.Max(1, Enumerable.Range(0, n).Sum(p => confusion[t, p]));
            for (int p = 0; p < n; p++)
            {
                double f = confusion[t, p] / total;
                var colour = ((byte)(255 - 225 * f), (byte)(255 - 190 * f), (byte)(255 - 90 * f));
                for (int y = 0; y < cell; y++)
                    for (int x = 0; x < cell; x++)
                    {
                        bool grid = x == cell - 1 || y == cell - 1;
                        int offset = ((t * cell + y) * size + p * cell + x) * 3;
                        (rgb[offset], rgb[offset + 1], rgb[offset + 2]) = grid ? ((byte)200, (byte)200, (byte)200) : colour;
                    }
            }
        }
        PngWriter.Write(path, size, size, rgb);
    }
}
